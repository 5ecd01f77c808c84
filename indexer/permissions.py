"""Files that hold personal data are readable by their owner only.

The index folder (records with names and contacts), the cache folder (generated demo profiles),
the web app's instance folder (database, secret key): folders 0700, files 0600. The entry points
(``emploi``, ``webapp.wsgi``) set the :data:`PRIVATE_UMASK` so that every file they create is
private, and :func:`restrict_tree` fixes folders written before.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
FOLDER_MODE = 0o700
FILE_MODE = 0o600


def use_private_umask() -> None:
    """Make the files and folders this process creates private (umask 077)."""
    os.umask(PRIVATE_UMASK)


def private_folder(folder: Path) -> Path:
    """Create ``folder`` if needed and make it private (0700); return it."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, FOLDER_MODE)
    return folder


def restrict_tree(root: Path) -> int:
    """Make ``root`` and everything under it private (folders 0700, files 0600; links are
    not followed); return how many modes changed. A missing ``root`` is left alone."""
    if not root.exists():
        return 0
    changed = 0
    for folder, subfolders, files in os.walk(root):
        for name, mode in ((folder, FOLDER_MODE), *((os.path.join(folder, d), FOLDER_MODE)
                                                   for d in subfolders),
                           *((os.path.join(folder, f), FILE_MODE) for f in files)):
            try:
                current = os.lstat(name)
            except FileNotFoundError:
                continue  # removed meanwhile (an index generation replaced)
            if stat.S_ISLNK(current.st_mode) or stat.S_IMODE(current.st_mode) == mode:
                continue
            os.chmod(name, mode)
            changed += 1
    if changed:
        log.info("made %d file(s) and folder(s) under %s private", changed, root)
    return changed
