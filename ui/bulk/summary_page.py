"""Page 7: the summary before the build; Build runs off the GUI thread and shows the result."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain import PackageBuild
from app.provisioning.model import BulkToken, DomainJoin, LocalAdmin, PackageSpec, stem_of
from ui.bulk.draft import BulkDraft
from ui.bulk.page_base import BulkPage

ROWS = (
    ("package", "Package"),
    ("device", "Device"),
    ("network", "Network"),
    ("account", "Accounts"),
    ("apps", "Applications"),
    ("certificates", "Certificates"),
    ("protection", "Protection"),
    ("output", "Output"),
)


def _yes(flag: bool, words: str) -> list[str]:
    return [words] if flag else []


def summary(draft: BulkDraft, kept: int) -> dict[str, str]:
    """One line per part, as the bench lead reads it back before building. No secret."""
    spec: PackageSpec = draft.spec()
    info, device, network, account = spec.info, spec.device, spec.network, spec.account
    parts = [f"name {device.name_template}" if device.name_template else "name from Windows"]
    parts += _yes(device.product_key is not None, "product key (hidden)")
    parts += _yes(bool(device.license_file), f"license {device.license_file}")
    parts += _yes(device.shared_use, "shared use")
    parts += _yes(device.remove_preinstalled, "remove pre-installed software")
    if isinstance(account, BulkToken):
        who = (
            f"Entra bulk token “{account.friendly_name}” (hidden), expires {account.expires}; "
            f"revoke by deleting {info.token_account}"
        )
    elif isinstance(account, DomainJoin):
        who = f"Active Directory {account.domain} as {account.user}"
    elif isinstance(account, LocalAdmin):
        who = f"Local administrator {account.user} (password changes every 42 days)"
    else:
        who = "Not managed"
    apps = ", ".join(f"{a.name} ({a.effective_command_line()})" for a in spec.apps)
    protection = "Encrypted with the generated password" if info.password else "Not encrypted"
    protection += "; signed" if draft.signing_key else "; unsigned project folder"
    return {
        "package": f"{info.name} {info.version} · {info.owner} · rank {info.rank} · "
        f"{info.braced_id}" + (f" · {kept} settings kept from the opened file" if kept else ""),
        "device": ", ".join(parts),
        "network": "Off"
        if network is None
        else f"Wi-Fi {network.ssid} ({network.security.value}"
        + (", key hidden)" if network.key else ")"),
        "account": who,
        "apps": apps or "None",
        "certificates": ", ".join(c.name for c in spec.certificates) or "None",
        "protection": protection,
        "output": draft.out_dir,
    }


class SummaryPage(BulkPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("summaryPage")
        self.set_section("Finish")
        self.setTitle(self.tr("Summary"))
        self.setSubTitle(
            self.tr("Build writes the package, records it in the registry and audits it at once.")
        )
        form, self.values = self.value_rows(ROWS, "summary_")
        self.progress = QProgressBar()
        self.progress.setObjectName("buildProgress")
        self.progress.hide()
        self.cancel = QPushButton(self.tr("Cancel the build"))
        self.cancel.setObjectName("cancelBuild")
        self.cancel.hide()
        self.message = self.error_label("build")
        self.result = QLabel()
        self.result.setObjectName("buildResult")
        self.result.setWordWrap(True)
        # The unpack command and the SHA-256 are copied from here, with the keyboard too.
        self.result.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.result.hide()
        self.open_folder = QPushButton(self.tr("&Open folder"))
        self.open_folder.setObjectName("openFolder")
        self.open_folder.hide()
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.cancel)
        layout.addWidget(self.message)
        layout.addWidget(self.result)
        layout.addWidget(self.open_folder, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        self.cancel.clicked.connect(self._on_cancel_clicked)
        self.open_folder.clicked.connect(self._on_open_folder_clicked)
        self.built: PackageBuild | None = None

    def initializePage(self) -> None:  # noqa: N802
        wizard = self.bulk_wizard()
        for key, text in summary(self.draft, wizard.kept_count()).items():
            self.values[key].setText(text)
        self.say(self.message, None)
        self.result.hide()
        self.open_folder.hide()
        self.built = None

    def isComplete(self) -> bool:  # noqa: N802
        return self.built is None  # built once: Start over for the next package

    def validatePage(self) -> bool:  # noqa: N802
        wizard = self.bulk_wizard()
        if not wizard.busy and self.built is None:
            wizard.build()
        return False  # the wizard stays on this page: it shows the result

    def show_running(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.cancel.setVisible(running)
        self.cancel.setEnabled(running)
        if running:
            self.progress.setRange(0, 0)
            self.say(self.message, None)
            self.result.hide()

    def show_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def show_failure(self, text: str) -> None:
        self.say(self.message, text)

    def show_result(self, build: PackageBuild, steps: list[str]) -> None:
        """What was made, what it is, and what to do with it on a Windows machine."""
        self.built = build
        self.completeChanged.emit()
        lines = [
            self.tr("<b>Built {n} {v}</b>").format(n=build.name, v=build.version),
            *self._what_it_is(build),
            self.tr(
                "<b>Next, on a Windows machine with the Windows ADK or Windows "
                "Configuration Designer</b>"
            ),
            *self._next_steps(build),
            self.tr("SHA-256: <tt>{h}</tt>").format(h=build.sha256),
        ]
        if build.signer_key_id:
            lines.append(self.tr("Signed by key {k}").format(k=build.signer_key_id))
        lines.append(self.tr("<b>To revoke</b>"))
        lines += [f"{n}. {step}" for n, step in enumerate(steps, start=1)]
        self.result.setText("<br>".join(_escape(line) for line in lines))
        self.result.show()
        self.open_folder.show()
        self.open_folder.setFocus()

    def _what_it_is(self, build: PackageBuild) -> list[str]:
        if build.form == "bundle":
            sealed = self.tr("signed and encrypted") if build.encrypted else self.tr("signed")
            return [
                self.tr("Bundle: {p}").format(p=build.output),
                self.tr(
                    "A Joinery bundle, {s}: the Windows Configuration Designer project "
                    "(customizations.xml) and its files, for carrying to the build machine. "
                    "It is not a .ppkg yet: icd.exe makes the .ppkg on Windows."
                ).format(s=sealed),
            ]
        return [
            self.tr("Project folder: {p}").format(p=build.output),
            self.tr(
                "A Windows Configuration Designer project (customizations.xml, its files and "
                "build-ppkg.cmd). It holds no secret. It is not a .ppkg yet: icd.exe makes "
                "the .ppkg on Windows."
            ),
        ]

    def _next_steps(self, build: PackageBuild) -> list[str]:
        steps = []
        stem = stem_of(build.name, build.version)
        if build.form == "bundle":
            password = " --password-file FILE" if build.encrypted else ""
            steps.append(
                self.tr(
                    "Copy the bundle there and unpack it: <tt>joinery package unpack "
                    '"{f}" -o "C:\\Packages\\{s}" --trust-key YOUR-KEY.pub{p}</tt>'
                ).format(f=Path(build.output).name, s=stem, p=password)
                + (self.tr(" (FILE holds the package password you copied).") if password else "")
            )
        else:
            steps.append(self.tr("Copy the project folder there."))
        where = (
            self.tr("the script says where the .ppkg and its password are")
            if build.encrypted
            else self.tr("the script says where it is")
        )
        steps += [
            self.tr(
                "In that folder, run <tt>build-ppkg.cmd</tt> as administrator: icd.exe "
                "builds {s}.ppkg and {w}."
            ).format(s=stem, w=where),
            self.tr(
                "Put the .ppkg at the root of a USB stick and insert it at the device's "
                "first setup screen (or open it on a running device)."
            ),
        ]
        return [f"{n}. {step}" for n, step in enumerate(steps, start=1)]

    def output_folder(self) -> Path | None:
        """The folder that holds what was built (a bundle's folder, or the project)."""
        if self.built is None:
            return None
        output = Path(self.built.output)
        return output.parent if self.built.form == "bundle" else output

    def _on_open_folder_clicked(self) -> None:
        folder = self.output_folder()
        if folder is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def _on_cancel_clicked(self) -> None:
        self.cancel.setEnabled(False)
        self.bulk_wizard().cancel_build()


def _escape(line: str) -> str:
    """Markup is ours (b, tt); anything else in a line is shown as typed."""
    kept = {"<b>": "\0b", "</b>": "\0/b", "<tt>": "\0tt", "</tt>": "\0/tt"}
    for tag, mark in kept.items():
        line = line.replace(tag, mark)
    line = line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for tag, mark in kept.items():
        line = line.replace(mark, tag)
    return line
