"""Private upload folders: one per session, removed once the session has been gone a while."""

import stat

from fitlab import session_folders, sessions


def test_each_session_gets_a_private_folder_removed_after_it_has_gone():
    alive = {"anna": True, "ben": True}
    folders = session_folders.SessionFolders(owner_alive=lambda owner: alive[owner], sweep_every=0)
    anna, ben = folders.folder("anna"), folders.folder("ben")
    assert anna != ben and folders.folder("anna") == anna
    assert stat.S_IMODE(anna.stat().st_mode) == 0o700  # no other user of the machine can read it
    (anna / "pets.npz").write_bytes(b"photos")
    alive["anna"] = False
    assert folders.sweep(now=100.0) == []  # a tab that reconnects gets its grace
    assert folders.sweep(now=100.0 + sessions.GRACE_SECONDS) == [anna]
    assert not anna.exists() and ben.exists()
    folders.close()  # the server stops: nothing is left behind
    assert not ben.exists()
