//! How the binaries of `src/bin/` end: QEMU exits through semihosting with success or
//! failure, which the tests read as its exit status.

use cortex_m_semihosting::debug;

/// Exits QEMU with `result`'s status; never returns.
pub fn exit_with(result: Result<(), ()>) -> ! {
    let code = match result {
        Ok(()) => debug::EXIT_SUCCESS,
        Err(()) => debug::EXIT_FAILURE,
    };
    debug::exit(code);
    loop {
        cortex_m::asm::wfi();
    }
}
