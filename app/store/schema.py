"""Numbered schema migrations. `PRAGMA user_version` mirrors the newest one applied."""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.domain import ComplianceState

if TYPE_CHECKING:
    from sqlite_utils import Database, Migrations

Step = Callable[["Database"], None]


class _Migrations:
    """sqlite-utils' `Migrations("joinery")`, made the first time one is read or applied.

    Steps register as with sqlite-utils (`@migrations()`), and `pending_names` answers "is
    there anything to do?" with plain SQL, so opening an up-to-date database (every start
    of the kiosk) does not import sqlite-utils (~40 ms). Everything else is sqlite-utils'
    own object: `apply`, `applied`, `pending`.
    """

    #: Where sqlite-utils records the migrations applied (`Migrations.migrations_table`).
    TABLE = "_sqlite_migrations"

    def __init__(self, name: str) -> None:
        self.name = name
        self._steps: list[tuple[Step, dict[str, Any]]] = []
        self._loaded: Migrations | None = None

    def __call__(self, **options: Any) -> Callable[[Step], Step]:
        def register(step: Step) -> Step:
            assert self._loaded is None, "migrations register when the schema module loads"
            self._steps.append((step, options))
            return step

        return register

    @property
    def names(self) -> list[str]:
        return [options.get("name") or step.__name__ for step, options in self._steps]

    def pending_names(self, conn: sqlite3.Connection) -> list[str]:
        """The registered migrations this database has not applied, in order."""
        found = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [self.TABLE]
        ).fetchone()
        if found is None:
            return self.names
        rows = conn.execute(
            f"SELECT name FROM {self.TABLE} WHERE migration_set = ?", [self.name]
        ).fetchall()
        applied = {row[0] for row in rows}
        return [name for name in self.names if name not in applied]

    def __getattr__(self, attribute: str) -> Any:
        if self._loaded is None:
            from sqlite_utils import Migrations

            self._loaded = Migrations(self.name)
            for step, options in self._steps:
                self._loaded(**options)(step)
        return getattr(self._loaded, attribute)


migrations = _Migrations("joinery")

#: The schema this code writes; `PRAGMA user_version` of a current database.
SCHEMA_VERSION = 12

#: Sortable device-list columns; each has an index so a page never sorts the fleet.
SORTABLE = (
    "serial",
    "device_name",
    "manufacturer",
    "model",
    "group_tag",
    "assigned_user",
    "os_version",
    "enrollment_status",
    "compliance_state",
    "last_checkin",
    "updated_at",
)


@migrations()
def m001_initial(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE devices (
            id INTEGER PRIMARY KEY,
            serial TEXT NOT NULL UNIQUE COLLATE NOCASE,
            manufacturer TEXT,
            model TEXT,
            product_id TEXT,
            group_tag TEXT,
            assigned_user TEXT COLLATE NOCASE,
            device_name TEXT COLLATE NOCASE,
            join_type TEXT NOT NULL DEFAULT 'entraJoined',
            provisioning_method TEXT,
            ownership TEXT NOT NULL DEFAULT 'company',
            os_edition TEXT,
            os_version TEXT,
            management_authority TEXT NOT NULL DEFAULT 'intune',
            enrollment_status TEXT NOT NULL DEFAULT 'registered',
            compliance_state TEXT NOT NULL DEFAULT 'notEvaluated',
            last_checkin TEXT,
            lineage INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK (length(serial) BETWEEN 1 AND 128)
        );

        -- One row per hardware hash a physical device has had: a reimage adds a lineage
        -- entry to the same device instead of a second device. Kept out of `devices` so
        -- the fleet table stays narrow (a hash is ~4 KB).
        CREATE TABLE device_lineage (
            id INTEGER PRIMARY KEY,
            device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
            lineage INTEGER NOT NULL,
            hardware_hash TEXT NOT NULL,
            product_id TEXT,
            first_seen TEXT NOT NULL,
            source TEXT,
            UNIQUE (device_id, lineage)
        );

        CREATE TABLE device_history (
            id INTEGER PRIMARY KEY,
            device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            lineage INTEGER NOT NULL,
            actor TEXT NOT NULL,
            changes TEXT NOT NULL DEFAULT '{}',
            note TEXT
        );
        CREATE INDEX device_history_device ON device_history (device_id, id);

        -- Append-only: written in the same transaction as the change it records.
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT,
            details TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;

        -- Counters kept by triggers, so the device count never scans the fleet.
        CREATE TABLE device_counts (key TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TRIGGER devices_count_insert AFTER INSERT ON devices BEGIN
            UPDATE device_counts SET n = n + 1
            WHERE key IN ('total', 'state:' || NEW.compliance_state);
        END;
        CREATE TRIGGER devices_count_delete AFTER DELETE ON devices BEGIN
            UPDATE device_counts SET n = n - 1
            WHERE key IN ('total', 'state:' || OLD.compliance_state);
        END;
        CREATE TRIGGER devices_count_state AFTER UPDATE OF compliance_state ON devices
        WHEN OLD.compliance_state IS NOT NEW.compliance_state BEGIN
            UPDATE device_counts SET n = n - 1 WHERE key = 'state:' || OLD.compliance_state;
            UPDATE device_counts SET n = n + 1 WHERE key = 'state:' || NEW.compliance_state;
        END;
        """,
    )
    keys = ["total"] + [f"state:{state.value}" for state in ComplianceState]
    db.conn.executemany("INSERT INTO device_counts (key, n) VALUES (?, 0)", [(k,) for k in keys])
    for column in SORTABLE:
        if column != "serial":  # the UNIQUE constraint already indexes it
            db.execute(f"CREATE INDEX devices_{column} ON devices ({column})")


@migrations()
def m002_security(db: Database) -> None:
    run_script(
        db,
        """
        -- Facts about this database itself; `database_id` binds keys and the audit chain to it.
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

        CREATE TABLE operators (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            role TEXT NOT NULL CHECK (role IN ('technician', 'lead', 'admin')),
            secret_hash TEXT NOT NULL,
            failures INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT,
            disabled INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK (length(name) BETWEEN 1 AND 64)
        );

        -- The data key, wrapped by a key from the OS keyring or from an admin passphrase.
        CREATE TABLE vault_keys (
            id INTEGER PRIMARY KEY,
            wrapped TEXT NOT NULL,
            method TEXT NOT NULL CHECK (method IN ('keyring', 'passphrase')),
            kdf TEXT,
            created_at TEXT NOT NULL,
            retired_at TEXT
        );

        -- Each entry's HMAC covers the previous one's: an edit, deletion, insertion or
        -- reordering breaks the chain at that entry.
        ALTER TABLE audit ADD COLUMN mac TEXT;
        CREATE INDEX audit_action ON audit (action, id);
        """,
    )
    db.execute("INSERT INTO meta (key, value) VALUES ('database_id', ?)", [str(uuid.uuid4())])


@migrations()
def m003_enrollment(db: Database) -> None:
    run_script(
        db,
        """
        -- A bench profile holds the answers of the OOBE pages a technician would otherwise
        -- give for every device (JSON: region, keyboard, network, naming template, ...).
        CREATE TABLE profiles (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            answers TEXT NOT NULL,
            wifi_key TEXT,  -- sealed by the vault (table, column and profile name bound)
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );

        ALTER TABLE devices ADD COLUMN enrolled_at TEXT;
        ALTER TABLE devices ADD COLUMN profile TEXT;
        -- The answers the device was enrolled with (never a secret: Wi-Fi keys are sealed
        -- in the vault and referenced, not copied here).
        ALTER TABLE devices ADD COLUMN enrollment TEXT;
        CREATE INDEX devices_assigned_user_count ON devices (assigned_user, enrollment_status);
        """,
    )


@migrations()
def m004_compliance(db: Database) -> None:
    run_script(
        db,
        """
        -- policy_json is what Joinery evaluates and exports (Graph JSON); imported_json is
        -- the file as it came, kept verbatim.
        CREATE TABLE compliance_policies (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            policy_json TEXT NOT NULL,
            imported_json TEXT NOT NULL,
            settings TEXT NOT NULL,
            not_evaluated TEXT NOT NULL DEFAULT '[]',
            grace_hours INTEGER NOT NULL DEFAULT 0,
            assign_all INTEGER NOT NULL DEFAULT 0,
            source TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE policy_group_tags (
            policy_id INTEGER NOT NULL REFERENCES compliance_policies(id) ON DELETE CASCADE,
            group_tag TEXT NOT NULL,
            PRIMARY KEY (policy_id, group_tag)
        ) WITHOUT ROWID;

        -- The latest check-in per device; columns named after app.compliance.facts.DeviceFacts.
        CREATE TABLE device_facts (
            device_id INTEGER PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
            serial TEXT NOT NULL,
            reported_at TEXT NOT NULL,
            source TEXT NOT NULL,
            device_name TEXT,
            manufacturer TEXT,
            model TEXT,
            hardware_hash TEXT,
            os_edition TEXT,
            os_version TEXT,
            bitlocker_enabled INTEGER,
            storage_encrypted INTEGER,
            tpm_version TEXT,
            secure_boot_enabled INTEGER,
            code_integrity_enabled INTEGER,
            vbs_enabled INTEGER,
            memory_integrity_enabled INTEGER,
            kernel_dma_protection_enabled INTEGER,
            firmware_protection_enabled INTEGER,
            early_launch_antimalware_enabled INTEGER,
            defender_enabled INTEGER,
            rtp_enabled INTEGER,
            defender_version TEXT,
            signature_age_days INTEGER,
            antivirus_registered INTEGER,
            antispyware_registered INTEGER,
            firewall_enabled INTEGER,
            password_required INTEGER,
            password_minimum_length INTEGER,
            password_expiration_days INTEGER,
            password_history_count INTEGER,
            last_update_installed TEXT,
            reported_compliance TEXT,
            -- Versions as fixed-width keys (app.compliance.versions): numeric order as text.
            os_version_key TEXT,
            defender_version_key TEXT
        );

        -- The clocks and failing settings of each device's latest evaluation (its state is
        -- devices.compliance_state). failing: {"bitLockerEnabled": "nonCompliant", ...}.
        CREATE TABLE device_compliance (
            device_id INTEGER PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
            noncompliant_since TEXT,
            grace_until TEXT,
            error_since TEXT,
            failing TEXT NOT NULL DEFAULT '{}'
        );
        -- Devices failing each setting, kept by triggers: a summary never scans the fleet.
        CREATE TRIGGER device_compliance_count_insert AFTER INSERT ON device_compliance BEGIN
            INSERT INTO device_counts (key, n)
            SELECT 'failing:' || j.key, 1 FROM json_each(NEW.failing) j
            WHERE j.value = 'nonCompliant'
            ON CONFLICT (key) DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER device_compliance_count_delete AFTER DELETE ON device_compliance BEGIN
            UPDATE device_counts SET n = n - 1 WHERE key IN (
                SELECT 'failing:' || j.key FROM json_each(OLD.failing) j
                WHERE j.value = 'nonCompliant');
        END;
        CREATE TRIGGER device_compliance_count_update AFTER UPDATE OF failing ON device_compliance
        WHEN OLD.failing IS NOT NEW.failing BEGIN
            UPDATE device_counts SET n = n - 1 WHERE key IN (
                SELECT 'failing:' || j.key FROM json_each(OLD.failing) j
                WHERE j.value = 'nonCompliant');
            INSERT INTO device_counts (key, n)
            SELECT 'failing:' || j.key, 1 FROM json_each(NEW.failing) j
            WHERE j.value = 'nonCompliant'
            ON CONFLICT (key) DO UPDATE SET n = n + 1;
        END;

        CREATE TABLE compliance_history (
            id INTEGER PRIMARY KEY,
            device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
            from_state TEXT,
            to_state TEXT NOT NULL,
            at TEXT NOT NULL,
            why TEXT
        );
        CREATE INDEX compliance_history_device ON compliance_history (device_id, id);

        -- One row per day: the fleet as it was (what was compliant on 3 March?).
        CREATE TABLE fleet_snapshots (
            date TEXT PRIMARY KEY,
            taken_at TEXT NOT NULL,
            total INTEGER NOT NULL,
            states TEXT NOT NULL,
            failing TEXT NOT NULL,
            stale INTEGER NOT NULL,
            stale_days INTEGER NOT NULL
        ) WITHOUT ROWID;
        """,
    )


@migrations()
def m005_packages(db: Database) -> None:
    run_script(
        db,
        """
        -- The package registry: one row per build (never a secret). A package keeps its
        -- GUID across versions, so (package_id, version) names one build.
        CREATE TABLE packages (
            id INTEGER PRIMARY KEY,
            package_id TEXT NOT NULL,
            name TEXT NOT NULL COLLATE NOCASE,
            version TEXT NOT NULL,
            owner TEXT NOT NULL,
            rank INTEGER NOT NULL CHECK (rank BETWEEN 0 AND 99),
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            form TEXT NOT NULL CHECK (form IN ('bundle', 'project')),
            encrypted INTEGER NOT NULL DEFAULT 0,
            signer_key_id TEXT,
            sha256 TEXT NOT NULL,
            output TEXT NOT NULL,
            token_expires TEXT,
            token_account TEXT,  -- the Entra user package_{GUID}: delete it to revoke early
            UNIQUE (name, version)
        );
        CREATE INDEX packages_package_id ON packages (package_id, id);
        CREATE INDEX packages_token_expires ON packages (token_expires);

        -- Which build provisioned a device (NULL: none recorded).
        ALTER TABLE devices ADD COLUMN package_build INTEGER REFERENCES packages(id);
        CREATE INDEX devices_package_build ON devices (package_build);
        """,
    )


@migrations()
def m006_dashboard(db: Database) -> None:
    run_script(
        db,
        _with_build_of(
            """
        -- Devices per Windows build (10.0.26100 for 10.0.26100.2605), kept by triggers so
        -- the dashboard's builds chart never groups the fleet. (Built-in functions only: a
        -- Python function in a trigger would break every other connection, and
        -- trusted_schema=OFF refuses it anyway.)
        CREATE TRIGGER devices_count_build_insert AFTER INSERT ON devices
        WHEN NEW.os_version IS NOT NULL BEGIN
            INSERT INTO device_counts (key, n) VALUES ('build:' || build_of(NEW.os_version), 1)
            ON CONFLICT (key) DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER devices_count_build_delete AFTER DELETE ON devices
        WHEN OLD.os_version IS NOT NULL BEGIN
            UPDATE device_counts SET n = n - 1 WHERE key = 'build:' || build_of(OLD.os_version);
        END;
        CREATE TRIGGER devices_count_build_update AFTER UPDATE OF os_version ON devices
        WHEN OLD.os_version IS NOT NEW.os_version BEGIN
            UPDATE device_counts SET n = n - 1
            WHERE OLD.os_version IS NOT NULL AND key = 'build:' || build_of(OLD.os_version);
            INSERT INTO device_counts (key, n)
            SELECT 'build:' || build_of(NEW.os_version), 1 WHERE NEW.os_version IS NOT NULL
            ON CONFLICT (key) DO UPDATE SET n = n + 1;
        END;

        -- Which devices fail which setting, kept from device_compliance.failing by triggers:
        -- a drill-down from "BitLocker: 478" lists exactly those 478 from an index.
        CREATE TABLE device_failing (
            setting TEXT NOT NULL,
            device_id INTEGER NOT NULL,
            PRIMARY KEY (setting, device_id)
        ) WITHOUT ROWID;
        CREATE TRIGGER device_failing_insert AFTER INSERT ON device_compliance BEGIN
            INSERT INTO device_failing (setting, device_id)
            SELECT j.key, NEW.device_id FROM json_each(NEW.failing) j
            WHERE j.value = 'nonCompliant';
        END;
        CREATE TRIGGER device_failing_delete AFTER DELETE ON device_compliance BEGIN
            DELETE FROM device_failing WHERE device_id = OLD.device_id AND setting IN (
                SELECT j.key FROM json_each(OLD.failing) j WHERE j.value = 'nonCompliant');
        END;
        CREATE TRIGGER device_failing_update AFTER UPDATE OF failing ON device_compliance
        WHEN OLD.failing IS NOT NEW.failing BEGIN
            DELETE FROM device_failing WHERE device_id = OLD.device_id AND setting IN (
                SELECT j.key FROM json_each(OLD.failing) j WHERE j.value = 'nonCompliant');
            INSERT INTO device_failing (setting, device_id)
            SELECT j.key, NEW.device_id FROM json_each(NEW.failing) j
            WHERE j.value = 'nonCompliant';
        END;

        -- Devices enrolled per day at the bench: a range over the last weeks only.
        CREATE INDEX devices_enrolled_at ON devices (enrolled_at);
        -- A state narrowed to one Windows build (a drill-down from a tile): one range.
        CREATE INDEX devices_state_version ON devices (compliance_state, os_version);
        """
        ),
    )
    db.execute(
        _with_build_of(
            "INSERT INTO device_counts (key, n) SELECT 'build:' || build_of(os_version), "
            "count(*) FROM devices WHERE os_version IS NOT NULL GROUP BY 1 "
            "ON CONFLICT (key) DO UPDATE SET n = excluded.n"
        )
    )
    db.execute(
        "INSERT INTO device_failing (setting, device_id) SELECT j.key, c.device_id "
        "FROM device_compliance c, json_each(c.failing) j WHERE j.value = 'nonCompliant'"
    )


@migrations()
def m007_audit_seal(db: Database) -> None:
    """Record how many audit entries predate the chain (the leading ones without a MAC):
    0 for every database created since the chain exists. The audit key seals the count at
    the next append (AuditMixin), and `audit verify` refuses any other entry without a MAC:
    clearing every MAC no longer passes the whole trail off as "from before the chain"."""
    first = db.execute("SELECT min(id) FROM audit WHERE mac IS NOT NULL").fetchone()[0]
    if first is None:
        count = db.execute("SELECT count(*) FROM audit").fetchone()[0]
    else:
        count = db.execute("SELECT count(*) FROM audit WHERE id < ?", [first]).fetchone()[0]
    db.execute(
        "INSERT INTO meta (key, value) VALUES ('audit_unchained', ?)",
        [json.dumps({"n": int(count)})],
    )


@migrations()
def m008_sign_in_attempts(db: Database) -> None:
    run_script(
        db,
        """
        -- Wrong PINs typed for names that are no operator, counted like an operator's own
        -- (operators.failures): the back-off then answers the same whether or not a name
        -- exists, so it cannot be used to find out which names do.
        CREATE TABLE sign_in_attempts (
            name TEXT PRIMARY KEY COLLATE NOCASE,
            failures INTEGER NOT NULL,
            locked_until TEXT,
            disabled INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL,
            CHECK (length(name) <= 256)
        ) WITHOUT ROWID;
        """,
    )


@migrations()
def m009_prepared_at_bench(db: Database) -> None:
    run_script(
        db,
        """
        -- What the device said of its join at a check-in (collector 1.1: dsregcmd /status).
        ALTER TABLE device_facts ADD COLUMN entra_joined INTEGER;

        -- A bench enrollment is 'prepared' until a check-in confirms the join; older Joinery
        -- wrote 'enrolled' at once. Those that checked in after the bench keep 'enrolled'.
        UPDATE devices SET enrollment_status = 'prepared'
        WHERE enrollment_status = 'enrolled' AND enrolled_at IS NOT NULL
        AND (last_checkin IS NULL OR last_checkin < enrolled_at);
        """,
    )


#: A device's verdict: Intune's own compliance state where Intune gave one (its export),
#: else Joinery's bench check. The dashboard and `fleet summary` count verdicts.
VERDICT = "coalesce(intune_state, compliance_state)"


@migrations()
def m010_intune_verdict(db: Database) -> None:
    run_script(
        db,
        f"""
        -- Where a device came from when Joinery did not create it at the bench
        -- ('intuneExport': a row of Intune's All devices export), and Intune's own verdict
        -- from that export: its compliance state and grace period end (NULL: none given).
        ALTER TABLE devices ADD COLUMN origin TEXT;
        ALTER TABLE devices ADD COLUMN intune_state TEXT;
        ALTER TABLE devices ADD COLUMN intune_grace_until TEXT;
        CREATE INDEX devices_verdict ON devices ({VERDICT});

        -- Verdicts and Intune states counted by triggers, like the bench states.
        CREATE TRIGGER devices_count_verdict_insert AFTER INSERT ON devices BEGIN
            INSERT INTO device_counts (key, n) VALUES
                ('verdict:' || coalesce(NEW.intune_state, NEW.compliance_state), 1)
            ON CONFLICT (key) DO UPDATE SET n = n + 1;
            INSERT INTO device_counts (key, n)
            SELECT 'intune:' || NEW.intune_state, 1 WHERE NEW.intune_state IS NOT NULL
            ON CONFLICT (key) DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER devices_count_verdict_delete AFTER DELETE ON devices BEGIN
            UPDATE device_counts SET n = n - 1
            WHERE key = 'verdict:' || coalesce(OLD.intune_state, OLD.compliance_state);
            UPDATE device_counts SET n = n - 1
            WHERE OLD.intune_state IS NOT NULL AND key = 'intune:' || OLD.intune_state;
        END;
        CREATE TRIGGER devices_count_verdict_update
        AFTER UPDATE OF compliance_state, intune_state ON devices
        WHEN coalesce(OLD.intune_state, OLD.compliance_state)
             IS NOT coalesce(NEW.intune_state, NEW.compliance_state) BEGIN
            UPDATE device_counts SET n = n - 1
            WHERE key = 'verdict:' || coalesce(OLD.intune_state, OLD.compliance_state);
            INSERT INTO device_counts (key, n) VALUES
                ('verdict:' || coalesce(NEW.intune_state, NEW.compliance_state), 1)
            ON CONFLICT (key) DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER devices_count_intune_update AFTER UPDATE OF intune_state ON devices
        WHEN OLD.intune_state IS NOT NEW.intune_state BEGIN
            UPDATE device_counts SET n = n - 1
            WHERE OLD.intune_state IS NOT NULL AND key = 'intune:' || OLD.intune_state;
            INSERT INTO device_counts (key, n)
            SELECT 'intune:' || NEW.intune_state, 1 WHERE NEW.intune_state IS NOT NULL
            ON CONFLICT (key) DO UPDATE SET n = n + 1;
        END;

        -- Whether packages.token_account was entered by the operator (1) or is Joinery's
        -- guess package_<ID> (0): Microsoft documents the name pattern, not the GUID.
        ALTER TABLE packages ADD COLUMN token_account_confirmed INTEGER NOT NULL DEFAULT 0;
        """,
    )
    # configManager is a Graph complianceState the first migration did not count.
    db.execute("INSERT OR IGNORE INTO device_counts (key, n) VALUES ('state:configManager', 0)")
    db.execute(
        "INSERT INTO device_counts (key, n) SELECT 'verdict:' || compliance_state, count(*) "
        "FROM devices GROUP BY 1 ON CONFLICT (key) DO UPDATE SET n = excluded.n"
    )


@migrations()
def m011_package_state(db: Database) -> None:
    run_script(
        db,
        """
        -- A build is registered before it writes anything (its intent), and marked built
        -- only once its output is complete: a crash in between leaves a 'building' row that
        -- the next sweep marks 'unfinished' (and whose partial output it removes).
        ALTER TABLE packages ADD COLUMN state TEXT NOT NULL DEFAULT 'built'
            CHECK (state IN ('building', 'built', 'unfinished'));
        """,
    )


#: Columns of `devices` the tenant fills: the same names, types and meaning as the Intune
#: verdict of the Intune-export work (issue 14), so either migration may come first.
INTUNE_COLUMNS = ("origin", "intune_state", "intune_grace_until")


@migrations()
def m012_tenant(db: Database) -> None:
    present = {row[1] for row in db.execute("PRAGMA table_info(devices)").fetchall()}
    for column in INTUNE_COLUMNS:
        if column not in present:
            db.execute(f"ALTER TABLE devices ADD COLUMN {column} TEXT")
    run_script(
        db,
        """
        -- The one tenant this bench talks to. The client secret (or certificate) and MSAL's
        -- token cache are sealed by the vault (table, column and row bound); never plain.
        CREATE TABLE tenant_connection (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            tenant_id TEXT NOT NULL,
            client_id TEXT NOT NULL,
            auth TEXT NOT NULL CHECK (auth IN ('secret', 'certificate', 'deviceCode')),
            authority_host TEXT NOT NULL,
            graph_url TEXT NOT NULL,
            credential TEXT,
            token_cache TEXT,
            account TEXT,
            connected_at TEXT NOT NULL,
            connected_by TEXT NOT NULL,
            last_sync TEXT,
            last_attempt TEXT,
            offline_since TEXT,
            last_error TEXT
        );

        -- Changes for the tenant, written in the transaction of the local change and sent
        -- in id order. payload is JSON and never holds a secret.
        CREATE TABLE tenant_outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            device_id INTEGER REFERENCES devices(id) ON DELETE CASCADE,
            serial TEXT COLLATE NOCASE,
            payload TEXT NOT NULL DEFAULT '{}',
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sending', 'importing', 'done', 'parked')),
            attempts INTEGER NOT NULL DEFAULT 0,
            not_before TEXT,
            remote_id TEXT,
            outcome TEXT,
            code INTEGER,
            reason TEXT,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            sent_at TEXT,
            done_at TEXT
        );
        CREATE INDEX tenant_outbox_state ON tenant_outbox (state, id);
        CREATE INDEX tenant_outbox_device ON tenant_outbox (device_id, state);

        -- What the tenant's Autopilot says of a device, and how Joinery's upload went.
        CREATE TABLE tenant_autopilot (
            device_id INTEGER PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
            autopilot_id TEXT,
            group_tag TEXT,
            user_principal_name TEXT,
            profile_status TEXT,
            enrollment_state TEXT,
            last_contacted TEXT,
            managed_device_id TEXT,
            import_status TEXT,
            import_error_code INTEGER,
            import_error TEXT,
            imported_at TEXT,
            seen_at TEXT
        );

        -- What Intune says of a device (managedDevice), as of its last sync with Intune.
        CREATE TABLE tenant_managed (
            device_id INTEGER PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
            managed_id TEXT NOT NULL,
            compliance_state TEXT,
            grace_until TEXT,
            last_sync TEXT,
            is_encrypted INTEGER,
            os_version TEXT,
            user_principal_name TEXT,
            azure_ad_device_id TEXT,
            seen_at TEXT NOT NULL
        );

        -- Autopilot deployment profiles, read when the setting tenant_read_profiles is on.
        CREATE TABLE tenant_profiles (
            id TEXT PRIMARY KEY,
            display_name TEXT NOT NULL,
            description TEXT,
            seen_at TEXT NOT NULL
        ) WITHOUT ROWID;
        """,
    )


def _with_build_of(sql: str) -> str:
    """Spell out build_of(v): '10.0.26100' from '10.0.26100.2605', in built-in SQL only."""
    return re.sub(
        r"build_of\(([A-Za-z_.]+)\)",
        lambda m: (
            "(CASE WHEN instr(substr({v}, 6), '.') > 0 "
            "THEN substr({v}, 1, instr(substr({v}, 6), '.') + 4) ELSE {v} END)"
        ).format(v=m.group(1)),
        sql,
    )


def number_of(applied_names: list[str]) -> int:
    """The schema version of a database: the highest migration number applied (m005 -> 5).

    Numbers, not counts: branches add migrations independently and they land out of order.
    """
    return max((int(name[1:4]) for name in applied_names if name[1:4].isdigit()), default=0)


def run_script(db: Database, script: str) -> None:
    """Run statements one by one: `executescript` would COMMIT the migration's transaction."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            db.execute(pending)
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement in migration: {pending[:60]!r}")
