//! SRP's private values come from the operating system's generator, not a user-space one that
//! a forked child shares with its parent (issue 26, finding 5): after `fork`, parent and child
//! must draw different ephemerals. With `rand`'s thread-local generator both drew the same `a`
//! (and so the same `A`), since the child starts from a copy of the parent's generator state.
//!
//! Alone in its test binary: `fork` in a process whose other threads hold locks is unsafe,
//! and here the only other thread is the harness's, waiting for this test.

#![cfg(unix)]

use cognito_sigv4::user_pool::srp::SrpClientEphemeral;

#[test]
fn a_forked_child_draws_a_different_ephemeral_than_its_parent() {
    // Touch the generator (and build the fixed-base tables) before forking, as a long-lived
    // process that forks workers would have.
    let _ = SrpClientEphemeral::generate();
    let mut fds = [0i32; 2];
    // SAFETY: `fds` has room for the two descriptors pipe() writes.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    let (read_end, write_end) = (fds[0], fds[1]);
    // SAFETY: the child only computes, writes to the pipe and leaves with _exit, without
    // unwinding or running the parent's destructors.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let a = SrpClientEphemeral::generate().public_a_hex();
        // SAFETY: writes from a live buffer of the given length; _exit never returns.
        unsafe {
            libc::write(write_end, a.as_ptr().cast(), a.len());
            libc::_exit(0);
        }
    }
    let parent = SrpClientEphemeral::generate().public_a_hex();
    // SAFETY: closes our copy of the write end, then reads into a live buffer.
    let child = unsafe {
        libc::close(write_end);
        let mut out = Vec::new();
        let mut buf = [0u8; 1024];
        loop {
            let n = libc::read(read_end, buf.as_mut_ptr().cast(), buf.len());
            if n <= 0 {
                break;
            }
            out.extend_from_slice(&buf[..n as usize]);
        }
        libc::close(read_end);
        let mut status = 0;
        libc::waitpid(pid, &mut status, 0);
        String::from_utf8(out).unwrap()
    };
    assert!(child.len() > 700, "the child sent its A: {child:?}");
    assert_ne!(parent, child, "parent and child drew the same private a");
}
