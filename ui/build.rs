//! Compiles the Slint UI. Debug info is kept so the testing backend can find elements by their
//! accessible labels (without it, lookups find nothing).

fn main() {
    let config = slint_build::CompilerConfiguration::new().with_debug_info(true);
    if let Err(e) = slint_build::compile_with_config("ui/main.slint", config) {
        panic!("compiling the Slint UI: {e}");
    }
}
