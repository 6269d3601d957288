#!/usr/bin/env python3
"""A file system that forgets, at a power cut, every write that was not fsynced.

    python powercut_fs.py BACKING MOUNTPOINT

mounts BACKING at MOUNTPOINT (FUSE, through mfusepy and libfuse3) in the foreground. What is
durable lives in BACKING; the data written to a file since its last fsync lives only in this
process's memory (and the kernel's page cache above it). Killing this process with SIGKILL is
the power cut: those writes are gone, as they are from an SD card's cache when the plug is
pulled. `umount -l MOUNTPOINT` then clears the dead mount.

The model, stated so a test's failure can be read against it:
- **File data** (write, truncate) is volatile until `fsync` or `fdatasync` of that file, which
  writes the dirty ranges and the size to BACKING and fsyncs it there.
- **Names** (create, mkdir, rename, unlink, rmdir) are durable at once, as a journaling file
  system with ordered data commits them. So a file renamed before its data was fsynced keeps its
  new name and loses its data: the classic lost-write bug this is meant to catch. (A missing
  directory fsync is not caught.)
- Reads see everything written, synced or not, as the page cache would.
"""
import errno
import os
import sys
import threading

from mfusepy import FUSE, FuseOSError, Operations


class Volatile:
    """A file's content since its first unsynced write: all of it, which ranges are dirty, and
    whether its size changed."""

    def __init__(self, data):
        self.data = bytearray(data)
        self.dirty = []  # (start, end) ranges to write at fsync
        self.resized = False


class PowerCutFS(Operations):
    use_ns = True

    def __init__(self, backing):
        self.backing = os.path.realpath(backing)
        self.volatile = {}  # path (in the mount) -> Volatile
        self.mutex = threading.RLock()

    def _real(self, path):
        return os.path.join(self.backing, path.lstrip("/"))

    def _load(self, path):
        """The volatile copy of `path`, made from BACKING on its first unsynced change."""
        entry = self.volatile.get(path)
        if entry is None:
            with open(self._real(path), "rb") as handle:
                entry = Volatile(handle.read())
            self.volatile[path] = entry
        return entry

    # Names and attributes: straight to BACKING.

    def getattr(self, path, fh=None):
        with self.mutex:
            try:
                st = os.lstat(self._real(path))
            except OSError as error:
                raise FuseOSError(error.errno)
            attrs = {key: getattr(st, key) for key in ("st_mode", "st_nlink", "st_uid", "st_gid", "st_size")}
            attrs.update(st_atime=st.st_atime_ns, st_mtime=st.st_mtime_ns, st_ctime=st.st_ctime_ns)
            entry = self.volatile.get(path)
            if entry is not None:
                attrs["st_size"] = len(entry.data)
            return attrs

    def readdir(self, path, fh):
        return [".", ".."] + os.listdir(self._real(path))

    def access(self, path, amode):
        if not os.access(self._real(path), amode):
            raise FuseOSError(errno.EACCES)

    def chmod(self, path, mode):
        os.chmod(self._real(path), mode)

    def chown(self, path, uid, gid):
        os.chown(self._real(path), uid, gid)

    def utimens(self, path, times=None):
        os.utime(self._real(path), ns=times) if times else os.utime(self._real(path))

    def mkdir(self, path, mode):
        os.mkdir(self._real(path), mode)

    def rmdir(self, path):
        os.rmdir(self._real(path))

    def statfs(self, path):
        st = os.statvfs(self._real(path))
        return {key: getattr(st, key) for key in
                ("f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail", "f_ffree", "f_files", "f_flag", "f_frsize", "f_namemax")}

    def unlink(self, path):
        with self.mutex:
            os.unlink(self._real(path))
            self.volatile.pop(path, None)

    def rename(self, old, new):
        with self.mutex:
            os.rename(self._real(old), self._real(new))
            self.volatile.pop(new, None)
            prefix = old.rstrip("/") + "/"
            for key in [k for k in self.volatile if k == old or k.startswith(prefix)]:
                self.volatile[new + key[len(old):]] = self.volatile.pop(key)

    def readlink(self, path):
        return os.readlink(self._real(path))

    def symlink(self, target, source):
        os.symlink(source, self._real(target))

    # File data: kept here until fsync.

    def create(self, path, mode, fi=None):
        with self.mutex:
            fd = os.open(self._real(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
            os.close(fd)
            self.volatile.pop(path, None)
            return 0

    def open(self, path, flags):
        with self.mutex:
            if flags & os.O_TRUNC:
                self.truncate(path, 0)
            return 0

    def read(self, path, size, offset, fh):
        with self.mutex:
            entry = self.volatile.get(path)
            if entry is not None:
                return bytes(entry.data[offset:offset + size])
            with open(self._real(path), "rb") as handle:
                handle.seek(offset)
                return handle.read(size)

    def write(self, path, data, offset, fh):
        with self.mutex:
            entry = self._load(path)
            end = offset + len(data)
            if end > len(entry.data):
                entry.data.extend(b"\0" * (end - len(entry.data)))
                entry.resized = True
            entry.data[offset:end] = data
            entry.dirty.append((offset, end))
            return len(data)

    def truncate(self, path, length, fh=None):
        with self.mutex:
            entry = self._load(path)
            if length < len(entry.data):
                del entry.data[length:]
                entry.dirty = [(s, min(e, length)) for s, e in entry.dirty if s < length]
            else:
                entry.data.extend(b"\0" * (length - len(entry.data)))
                entry.dirty.append((length, length))
            entry.resized = True

    def fsync(self, path, datasync, fh):
        with self.mutex:
            entry = self.volatile.pop(path, None)
            if entry is None:
                return 0
            fd = os.open(self._real(path), os.O_WRONLY)
            try:
                if entry.resized:
                    os.ftruncate(fd, len(entry.data))
                for start, end in entry.dirty:
                    if end > start:
                        os.pwrite(fd, bytes(entry.data[start:end]), start)
                os.fsync(fd)
            finally:
                os.close(fd)
            return 0

    def flush(self, path, fh):
        return 0  # closing a file makes nothing durable

    def release(self, path, fh):
        return 0

    def fsyncdir(self, path, datasync, fh):
        return 0  # names are durable at once in this model


if __name__ == "__main__":
    backing, mountpoint = sys.argv[1], sys.argv[2]
    FUSE(PowerCutFS(backing), mountpoint, foreground=True, nothreads=False, allow_other=False)
