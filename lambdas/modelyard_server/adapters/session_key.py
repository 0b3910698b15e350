"""The key that signs session tokens: given inline, in Secrets Manager (AWS), or made once in the data directory.

On AWS the template generates it as a secret only the API function may read. The embedded registry
makes a random key in its data directory (mode 0600) the first time someone signs in, and keeps it,
so sessions survive a restart.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from modelyard_server.adapters.embedded.private_files import write_private_file
from modelyard_server.settings import Settings

SESSION_KEY_FILE = "session-signing.key"
GENERATED_KEY_BYTES = 48


def configured_session_key(settings: Settings) -> bytes | None:
    """The session signing key the settings lead to, or None when nothing is configured."""
    if settings.session_key:
        return settings.session_key.encode()
    if settings.session_key_secret:
        from modelyard_server.adapters.secrets import secret_string

        return secret_string(settings.session_key_secret).encode()
    if settings.backend == "sqlite" and settings.data_dir:
        return data_dir_session_key(Path(settings.data_dir))
    return None


def data_dir_session_key(data_dir: Path) -> bytes:
    path = data_dir / SESSION_KEY_FILE
    if not path.exists():
        write_private_file(path, secrets.token_urlsafe(GENERATED_KEY_BYTES).encode())
    return path.read_bytes().strip()
