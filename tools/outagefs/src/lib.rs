//! `outagefs`: a FUSE file system for power-loss tests.
//!
//! Every file has two contents: what programs see (`current`) and what would be on the platter
//! after a power cut (`durable`). Writes and truncations change only `current`; `fsync` (and
//! `fdatasync`) of a file copies its `current` to `durable`. [`Volume::power_cut`] sets every
//! file back to its `durable` content, as a power loss with a volatile write cache would: what
//! was written but never synced is gone. This is the idea of LazyFS (which Jepsen uses), in a
//! small in-memory file system of our own.
//!
//! Simplifications, stated so a test knows what it checks: names (create, unlink, rename,
//! mkdir) are durable at once, like a file system with synchronous metadata; a file created and
//! never synced survives a cut empty. Locks are the kernel's local POSIX locks. Everything
//! lives in memory and is lost when the process ends.
//!
//! Besides the library (mounted in-process by the store's power-loss test), the `outagefs`
//! binary mounts a volume on a directory until it is unmounted; writing `cut` to the control
//! file `/.outagefs` at its root cuts the power (see the binary's help).

use std::collections::{BTreeMap, HashMap};
use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use fuser::{
    FileAttr, FileType, Filesystem, KernelConfig, MountOption, ReplyAttr, ReplyCreate, ReplyData,
    ReplyDirectory, ReplyEmpty, ReplyEntry, ReplyOpen, ReplyStatfs, ReplyWrite, Request, TimeOrNow,
};
use libc::{EEXIST, EINVAL, EISDIR, ENOENT, ENOTDIR, ENOTEMPTY};

/// The name of the control file at the root of a mounted volume.
pub const CONTROL_NAME: &str = ".outagefs";

const ROOT: u64 = 1;
const CONTROL: u64 = 2;
const FIRST_FREE: u64 = 3;
/// No attribute or entry caching in the kernel: after a cut every look-up asks us again.
const TTL: Duration = Duration::ZERO;
const BLOCK: u32 = 4096;

#[derive(Debug)]
enum Node {
    Dir {
        entries: BTreeMap<OsString, u64>,
        perm: u16,
    },
    File {
        current: Vec<u8>,
        durable: Vec<u8>,
        perm: u16,
    },
}

/// What a volume has done, for test reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VolumeStats {
    /// `fsync`/`fdatasync` calls.
    pub syncs: u64,
    /// Power cuts.
    pub cuts: u64,
    /// Bytes dropped by power cuts (files whose content differed from the synced one).
    pub dropped_files: u64,
    /// Bytes written.
    pub bytes_written: u64,
}

/// The volume's contents, shared between the mounted file system and the test driving it.
#[derive(Debug)]
pub struct Volume {
    nodes: HashMap<u64, Node>,
    next: u64,
    stats: VolumeStats,
}

impl Default for Volume {
    fn default() -> Self {
        let mut nodes = HashMap::new();
        nodes.insert(
            ROOT,
            Node::Dir {
                entries: BTreeMap::new(),
                perm: 0o755,
            },
        );
        Self {
            nodes,
            next: FIRST_FREE,
            stats: VolumeStats::default(),
        }
    }
}

impl Volume {
    /// A new, empty volume behind a lock, to hand to [`OutageFs`] and keep for [`Volume::power_cut`].
    pub fn shared() -> Arc<Mutex<Volume>> {
        Arc::new(Mutex::new(Volume::default()))
    }

    /// Drops every write not followed by an `fsync` of its file; returns how many files lost
    /// something.
    pub fn power_cut(&mut self) -> u64 {
        let mut changed = 0;
        for node in self.nodes.values_mut() {
            if let Node::File {
                current, durable, ..
            } = node
                && current != durable
            {
                current.clone_from(durable);
                changed += 1;
            }
        }
        self.stats.cuts += 1;
        self.stats.dropped_files += changed;
        changed
    }

    /// Bytes written but not yet synced, over all files (a file counts by its larger size).
    pub fn unsynced_files(&self) -> u64 {
        self.nodes
            .values()
            .filter(|n| matches!(n, Node::File { current, durable, .. } if current != durable))
            .count() as u64
    }

    /// What happened so far.
    pub fn stats(&self) -> VolumeStats {
        self.stats
    }

    fn attr(&self, ino: u64) -> Option<FileAttr> {
        let (kind, size, perm, nlink) = match ino {
            CONTROL => (FileType::RegularFile, 0, 0o600, 1),
            _ => match self.nodes.get(&ino)? {
                Node::Dir { perm, .. } => (FileType::Directory, 0, *perm, 2),
                Node::File { current, perm, .. } => {
                    (FileType::RegularFile, current.len() as u64, *perm, 1)
                }
            },
        };
        let now = SystemTime::now();
        Some(FileAttr {
            ino,
            size,
            blocks: size.div_ceil(512),
            atime: now,
            mtime: now,
            ctime: now,
            crtime: now,
            kind,
            perm,
            nlink,
            uid: 0,
            gid: 0,
            rdev: 0,
            blksize: BLOCK,
            flags: 0,
        })
    }

    fn entries(&mut self, ino: u64) -> Result<&mut BTreeMap<OsString, u64>, i32> {
        match self.nodes.get_mut(&ino) {
            Some(Node::Dir { entries, .. }) => Ok(entries),
            Some(Node::File { .. }) => Err(ENOTDIR),
            None => Err(ENOENT),
        }
    }

    fn lookup(&mut self, parent: u64, name: &OsStr) -> Result<u64, i32> {
        if parent == ROOT && name == CONTROL_NAME {
            return Ok(CONTROL);
        }
        self.entries(parent)?.get(name).copied().ok_or(ENOENT)
    }

    fn add(&mut self, parent: u64, name: &OsStr, node: Node) -> Result<u64, i32> {
        if parent == ROOT && name == CONTROL_NAME {
            return Err(EEXIST);
        }
        let ino = self.next;
        let entries = self.entries(parent)?;
        if entries.contains_key(name) {
            return Err(EEXIST);
        }
        entries.insert(name.to_owned(), ino);
        self.next += 1;
        self.nodes.insert(ino, node);
        Ok(ino)
    }

    fn control_text(&self) -> Vec<u8> {
        let s = self.stats;
        format!(
            "syncs {}\ncuts {}\ndropped_files {}\nbytes_written {}\nunsynced_files {}\n",
            s.syncs,
            s.cuts,
            s.dropped_files,
            s.bytes_written,
            self.unsynced_files()
        )
        .into_bytes()
    }
}

/// The FUSE side of a [`Volume`].
pub struct OutageFs {
    volume: Arc<Mutex<Volume>>,
}

impl OutageFs {
    /// A file system serving `volume`.
    pub fn new(volume: Arc<Mutex<Volume>>) -> Self {
        Self { volume }
    }

    fn volume(&self) -> MutexGuard<'_, Volume> {
        // A panic while holding the lock leaves a volume that is still consistent enough to
        // serve: every change is a single map operation.
        self.volume.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Mount options used by [`mount`].
pub fn mount_options() -> Vec<MountOption> {
    vec![
        MountOption::FSName("outagefs".to_owned()),
        MountOption::Subtype("outagefs".to_owned()),
    ]
}

/// Mounts `volume` on `mountpoint` in a background thread; unmounted when the session is
/// dropped. Needs /dev/fuse and the right to mount (root, or `fusermount3` installed).
pub fn mount(
    volume: Arc<Mutex<Volume>>,
    mountpoint: &Path,
) -> std::io::Result<fuser::BackgroundSession> {
    fuser::spawn_mount2(OutageFs::new(volume), mountpoint, &mount_options())
}

fn time_of(t: TimeOrNow) -> SystemTime {
    match t {
        TimeOrNow::SpecificTime(t) => t,
        TimeOrNow::Now => SystemTime::now(),
    }
}

impl Filesystem for OutageFs {
    fn init(&mut self, _req: &Request<'_>, _config: &mut KernelConfig) -> Result<(), libc::c_int> {
        Ok(())
    }

    fn lookup(&mut self, _req: &Request<'_>, parent: u64, name: &OsStr, reply: ReplyEntry) {
        let mut v = self.volume();
        match v.lookup(parent, name).map(|ino| v.attr(ino)) {
            Ok(Some(attr)) => reply.entry(&TTL, &attr, 0),
            Ok(None) => reply.error(ENOENT),
            Err(e) => reply.error(e),
        }
    }

    fn getattr(&mut self, _req: &Request<'_>, ino: u64, _fh: Option<u64>, reply: ReplyAttr) {
        match self.volume().attr(ino) {
            Some(attr) => reply.attr(&TTL, &attr),
            None => reply.error(ENOENT),
        }
    }

    fn setattr(
        &mut self,
        _req: &Request<'_>,
        ino: u64,
        mode: Option<u32>,
        _uid: Option<u32>,
        _gid: Option<u32>,
        size: Option<u64>,
        atime: Option<TimeOrNow>,
        mtime: Option<TimeOrNow>,
        _ctime: Option<SystemTime>,
        _fh: Option<u64>,
        _crtime: Option<SystemTime>,
        _chgtime: Option<SystemTime>,
        _bkuptime: Option<SystemTime>,
        _flags: Option<u32>,
        reply: ReplyAttr,
    ) {
        // Times are not kept (every attribute read says "now").
        let _ = (atime.map(time_of), mtime.map(time_of));
        let mut v = self.volume();
        match v.nodes.get_mut(&ino) {
            Some(Node::File { current, perm, .. }) => {
                if let Some(size) = size {
                    let Ok(size) = usize::try_from(size) else {
                        return reply.error(EINVAL);
                    };
                    current.resize(size, 0);
                }
                if let Some(mode) = mode {
                    *perm = (mode & 0o7777) as u16;
                }
            }
            Some(Node::Dir { perm, .. }) => {
                if size.is_some() {
                    return reply.error(EISDIR);
                }
                if let Some(mode) = mode {
                    *perm = (mode & 0o7777) as u16;
                }
            }
            None if ino == CONTROL => {}
            None => return reply.error(ENOENT),
        }
        match v.attr(ino) {
            Some(attr) => reply.attr(&TTL, &attr),
            None => reply.error(ENOENT),
        }
    }

    fn mkdir(
        &mut self,
        _req: &Request<'_>,
        parent: u64,
        name: &OsStr,
        mode: u32,
        _umask: u32,
        reply: ReplyEntry,
    ) {
        let mut v = self.volume();
        let node = Node::Dir {
            entries: BTreeMap::new(),
            perm: (mode & 0o7777) as u16,
        };
        match v.add(parent, name, node).map(|ino| v.attr(ino)) {
            Ok(Some(attr)) => reply.entry(&TTL, &attr, 0),
            Ok(None) => reply.error(ENOENT),
            Err(e) => reply.error(e),
        }
    }

    fn create(
        &mut self,
        _req: &Request<'_>,
        parent: u64,
        name: &OsStr,
        mode: u32,
        _umask: u32,
        _flags: i32,
        reply: ReplyCreate,
    ) {
        let mut v = self.volume();
        let node = Node::File {
            current: Vec::new(),
            durable: Vec::new(),
            perm: (mode & 0o7777) as u16,
        };
        match v.add(parent, name, node).map(|ino| v.attr(ino)) {
            Ok(Some(attr)) => reply.created(&TTL, &attr, 0, 0, 0),
            Ok(None) => reply.error(ENOENT),
            Err(e) => reply.error(e),
        }
    }

    fn unlink(&mut self, _req: &Request<'_>, parent: u64, name: &OsStr, reply: ReplyEmpty) {
        let mut v = self.volume();
        let removed = match v.entries(parent) {
            Ok(entries) => entries.remove(name),
            Err(e) => return reply.error(e),
        };
        match removed {
            // The node stays until the volume is dropped: an open descriptor may still use it.
            Some(_) => reply.ok(),
            None => reply.error(ENOENT),
        }
    }

    fn rmdir(&mut self, _req: &Request<'_>, parent: u64, name: &OsStr, reply: ReplyEmpty) {
        let mut v = self.volume();
        let ino = match v.lookup(parent, name) {
            Ok(ino) => ino,
            Err(e) => return reply.error(e),
        };
        match v.nodes.get(&ino) {
            Some(Node::Dir { entries, .. }) if entries.is_empty() => {}
            Some(Node::Dir { .. }) => return reply.error(ENOTEMPTY),
            _ => return reply.error(ENOTDIR),
        }
        if let Ok(entries) = v.entries(parent) {
            entries.remove(name);
        }
        v.nodes.remove(&ino);
        reply.ok();
    }

    fn rename(
        &mut self,
        _req: &Request<'_>,
        parent: u64,
        name: &OsStr,
        newparent: u64,
        newname: &OsStr,
        _flags: u32,
        reply: ReplyEmpty,
    ) {
        let mut v = self.volume();
        let ino = match v.lookup(parent, name) {
            Ok(ino) => ino,
            Err(e) => return reply.error(e),
        };
        if let Err(e) = v.entries(newparent) {
            return reply.error(e);
        }
        if let Ok(entries) = v.entries(parent) {
            entries.remove(name);
        }
        if let Ok(entries) = v.entries(newparent) {
            entries.insert(newname.to_owned(), ino);
        }
        reply.ok();
    }

    fn open(&mut self, _req: &Request<'_>, ino: u64, _flags: i32, reply: ReplyOpen) {
        match self.volume().attr(ino) {
            // No FOPEN_KEEP_CACHE: the kernel drops its cached pages at every open.
            Some(attr) if attr.kind == FileType::RegularFile => reply.opened(0, 0),
            Some(_) => reply.error(EISDIR),
            None => reply.error(ENOENT),
        }
    }

    fn read(
        &mut self,
        _req: &Request<'_>,
        ino: u64,
        _fh: u64,
        offset: i64,
        size: u32,
        _flags: i32,
        _lock_owner: Option<u64>,
        reply: ReplyData,
    ) {
        let v = self.volume();
        let control;
        let bytes: &[u8] = match v.nodes.get(&ino) {
            Some(Node::File { current, .. }) => current,
            Some(Node::Dir { .. }) => return reply.error(EISDIR),
            None if ino == CONTROL => {
                control = v.control_text();
                &control
            }
            None => return reply.error(ENOENT),
        };
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        let end = start.saturating_add(size as usize).min(bytes.len());
        reply.data(&bytes[start..end]);
    }

    fn write(
        &mut self,
        _req: &Request<'_>,
        ino: u64,
        _fh: u64,
        offset: i64,
        data: &[u8],
        _write_flags: u32,
        _flags: i32,
        _lock_owner: Option<u64>,
        reply: ReplyWrite,
    ) {
        let mut v = self.volume();
        if ino == CONTROL {
            return match std::str::from_utf8(data).map(str::trim) {
                Ok("cut") => {
                    v.power_cut();
                    reply.written(data.len() as u32);
                }
                _ => reply.error(EINVAL),
            };
        }
        let Ok(offset) = usize::try_from(offset) else {
            return reply.error(EINVAL);
        };
        match v.nodes.get_mut(&ino) {
            Some(Node::File { current, .. }) => {
                let end = offset + data.len();
                if current.len() < end {
                    current.resize(end, 0);
                }
                current[offset..end].copy_from_slice(data);
            }
            Some(Node::Dir { .. }) => return reply.error(EISDIR),
            None => return reply.error(ENOENT),
        }
        v.stats.bytes_written += data.len() as u64;
        reply.written(data.len() as u32);
    }

    fn fsync(
        &mut self,
        _req: &Request<'_>,
        ino: u64,
        _fh: u64,
        _datasync: bool,
        reply: ReplyEmpty,
    ) {
        let mut v = self.volume();
        if let Some(Node::File {
            current, durable, ..
        }) = v.nodes.get_mut(&ino)
        {
            durable.clone_from(current);
        }
        v.stats.syncs += 1;
        reply.ok();
    }

    fn fsyncdir(
        &mut self,
        _req: &Request<'_>,
        _ino: u64,
        _fh: u64,
        _datasync: bool,
        reply: ReplyEmpty,
    ) {
        // Names are durable at once.
        reply.ok();
    }

    fn readdir(
        &mut self,
        _req: &Request<'_>,
        ino: u64,
        _fh: u64,
        offset: i64,
        mut reply: ReplyDirectory,
    ) {
        let mut v = self.volume();
        let entries: Vec<(u64, OsString)> = match v.entries(ino) {
            Ok(entries) => entries.iter().map(|(n, i)| (*i, n.clone())).collect(),
            Err(e) => return reply.error(e),
        };
        let mut all = vec![
            (ino, FileType::Directory, OsString::from(".")),
            (ROOT, FileType::Directory, OsString::from("..")),
        ];
        for (child, name) in entries {
            let kind = match v.nodes.get(&child) {
                Some(Node::Dir { .. }) => FileType::Directory,
                _ => FileType::RegularFile,
            };
            all.push((child, kind, name));
        }
        let skip = usize::try_from(offset).unwrap_or(0);
        for (i, (child, kind, name)) in all.into_iter().enumerate().skip(skip) {
            if reply.add(child, (i + 1) as i64, kind, name) {
                break;
            }
        }
        reply.ok();
    }

    fn statfs(&mut self, _req: &Request<'_>, _ino: u64, reply: ReplyStatfs) {
        reply.statfs(
            1 << 20,
            1 << 20,
            1 << 20,
            1 << 16,
            1 << 16,
            BLOCK,
            255,
            BLOCK,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_keeps_synced_content_and_drops_the_rest() {
        let mut v = Volume::default();
        let ino = v
            .add(
                ROOT,
                OsStr::new("f"),
                Node::File {
                    current: b"synced".to_vec(),
                    durable: b"synced".to_vec(),
                    perm: 0o644,
                },
            )
            .ok();
        let Some(ino) = ino else {
            panic!("file not created");
        };
        if let Some(Node::File { current, .. }) = v.nodes.get_mut(&ino) {
            current.extend_from_slice(b" and not");
        }
        assert_eq!(v.unsynced_files(), 1);
        assert_eq!(v.power_cut(), 1);
        assert!(
            matches!(v.nodes.get(&ino), Some(Node::File { current, .. }) if current == b"synced")
        );
        assert_eq!(v.unsynced_files(), 0);
        assert_eq!(v.stats().cuts, 1);
    }
}
