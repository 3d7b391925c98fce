//! The keyboard-wedge scanner against a uinput virtual keyboard: the device is grabbed
//! exclusively, a Persian-layout scan arrives as a classified national code, and unplugging
//! (destroying the virtual device) is reported. Needs `/dev/uinput`, which this machine's
//! kernel does not offer, so the test is ignored here; the key decoding it relies on is tested
//! directly in `scanner::keymap` and `scanner::wedge`.

use std::time::Duration;

use evdev::uinput::VirtualDevice;
use evdev::{AttributeSet, Device, EventType, InputEvent, KeyCode};
use kiosk_drivers::scanner::keymap::{KEY_ENTER, Layout};
use kiosk_drivers::scanner::{CodeScanner, ScanEvent, WedgeScanner, WedgeScannerConfig};

#[tokio::test]
#[ignore = "needs /dev/uinput: the kernel here has no uinput module"]
async fn a_grabbed_persian_layout_scanner_reads_a_national_code() {
    let mut keys = AttributeSet::<KeyCode>::new();
    for code in 1..=60u16 {
        keys.insert(KeyCode(code));
    }
    let mut virt = VirtualDevice::builder()
        .expect("uinput")
        .name("kiosk test scanner")
        .with_keys(&keys)
        .expect("keys")
        .build()
        .expect("virtual keyboard");
    // udev may take a moment to create the node.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let node = virt
        .enumerate_dev_nodes_blocking()
        .expect("nodes")
        .filter_map(Result::ok)
        .find(|p| p.to_string_lossy().contains("event"))
        .expect("an event node");

    let mut events = WedgeScanner::new(WedgeScannerConfig {
        layout: Layout::Persian,
        ..WedgeScannerConfig::new(&node)
    })
    .events();
    let next = tokio::time::timeout(Duration::from_secs(5), events.next());
    assert_eq!(next.await.expect("in time"), Some(ScanEvent::Connected));

    // Grabbed exclusively: nobody else can grab it now.
    let mut other = Device::open(&node).expect("open");
    assert!(other.grab().is_err(), "the scanner holds the grab");

    // 0499370899 Enter on the digit row (KEY_1 = 2 … KEY_0 = 11).
    for code in [11u16, 5, 10, 10, 4, 8, 11, 9, 10, 10, KEY_ENTER] {
        virt.emit(&[InputEvent::new(EventType::KEY.0, code, 1)])
            .expect("press");
        virt.emit(&[InputEvent::new(EventType::KEY.0, code, 0)])
            .expect("release");
    }
    let next = tokio::time::timeout(Duration::from_secs(5), events.next());
    let event = next.await.expect("in time").expect("an event");
    assert_eq!(event.kind(), "national_code", "{event:?}");

    drop(virt);
    let next = tokio::time::timeout(Duration::from_secs(5), events.next());
    assert_eq!(
        next.await.expect("in time").map(|e| e.kind()),
        Some("disconnected")
    );
}
