//! `outagefs MOUNTPOINT`: mounts an empty in-memory outagefs volume on MOUNTPOINT and serves it
//! until it is unmounted (`umount MOUNTPOINT`). Writes reach "the disk" only when their file is
//! fsynced; `echo cut > MOUNTPOINT/.outagefs` drops every unsynced write (a power cut), and
//! `cat MOUNTPOINT/.outagefs` shows the counters. Close or kill the programs using the volume
//! before a cut: their kernel-side caches are not part of the volume.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [mountpoint] = args.as_slice() else {
        eprintln!("usage: outagefs MOUNTPOINT   (control: echo cut > MOUNTPOINT/.outagefs)");
        return ExitCode::from(2);
    };
    let mountpoint = PathBuf::from(mountpoint);
    let fs = outagefs::OutageFs::new(outagefs::Volume::shared());
    match fuser::mount2(fs, &mountpoint, &outagefs::mount_options()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "outagefs: cannot mount on {}: {e} (needs /dev/fuse and root, or fusermount3)",
                mountpoint.display()
            );
            ExitCode::FAILURE
        }
    }
}
