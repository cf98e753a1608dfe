"""What the bulk wizard has been told so far: the package's parts, as the core's values."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element

from app.provisioning.model import (
    Account,
    App,
    Certificate,
    DeviceSetup,
    Network,
    PackageInfo,
    PackageSpec,
)
from app.services import OpenedPackage


@dataclass
class BulkDraft:
    """Pages read it in `initializePage` and write their part in `validatePage`.

    `kept` and `base_dir` come from a re-opened package: the settings Joinery does not show
    (written back untouched by the core) and where its payload files are.
    """

    info: PackageInfo = field(default_factory=lambda: PackageInfo(name=""))
    device: DeviceSetup = field(default_factory=DeviceSetup)
    network: Network | None = None
    account: Account | None = None
    apps: list[App] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)
    kept: Element | None = None
    base_dir: Path | None = None
    opened: OpenedPackage | None = None
    signing_key: str = ""
    out_dir: str = ""

    def spec(self) -> PackageSpec:
        return PackageSpec(
            info=self.info,
            device=self.device,
            network=self.network,
            account=self.account,
            apps=tuple(self.apps),
            certificates=tuple(self.certificates),
        )

    @classmethod
    def from_opened(cls, opened: OpenedPackage) -> BulkDraft:
        spec = opened.spec
        return cls(
            info=spec.info,
            device=spec.device,
            network=spec.network,
            account=spec.account,
            apps=list(spec.apps),
            certificates=list(spec.certificates),
            kept=opened.kept,
            base_dir=opened.base_dir,
            opened=opened,
        )
