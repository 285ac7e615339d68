//! Running one child process and measuring it: wall time, CPU time and peak resident memory.
//!
//! The harness times whole processes, kolm included, so every tool pays the same start-up
//! costs. Peak memory comes from `wait4`'s resource usage of that one child, which is why the
//! child is reaped here rather than through [`std::process::Child::wait`]. A child that outlives
//! its time limit is killed; the kill cannot hit a recycled process id because the child is
//! first waited for without being reaped (`waitid` with `WNOWAIT`), and only the thread that
//! reaps it decides, under a lock, whether the limit has passed.

use std::io;
use std::process::Command;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// What a finished child cost.
#[derive(Clone, Copy, Debug)]
pub struct Usage {
    /// From just before the spawn to the moment the child had exited.
    pub wall: Duration,
    /// User plus system time of the child.
    pub cpu: Duration,
    /// Peak resident set size of the child, in bytes.
    pub peak_rss: u64,
}

/// How a measured child ended.
#[derive(Debug)]
pub enum Outcome {
    /// The child ended on its own: `code` is its exit status, or `None` when `signal` ended it.
    Exited { code: Option<i32>, signal: Option<i32>, usage: Usage },
    /// The child ran past its limit and was killed.
    TimedOut,
}

/// Spawns `command` and waits for it for at most `limit`.
pub fn run(command: &mut Command, limit: Duration) -> io::Result<Outcome> {
    let start = Instant::now();
    let child = command.spawn()?;
    let pid = child.id() as libc::pid_t;
    // Whether the child has exited (it may still be unreaped), and whether the watchdog killed it.
    let state = Mutex::new((false, false));
    let changed = Condvar::new();
    let (wall, waited) = std::thread::scope(|scope| {
        scope.spawn(|| {
            let guard = state.lock().expect("no panics while locked");
            let (mut guard, _) =
                changed.wait_timeout_while(guard, limit, |(exited, _)| !*exited).expect("no panics while locked");
            if !guard.0 {
                // SAFETY: plain system call; the child is unreaped, so `pid` is still ours.
                unsafe { libc::kill(pid, libc::SIGKILL) };
                guard.1 = true;
            }
        });
        let waited = wait_without_reaping(pid);
        let wall = start.elapsed();
        state.lock().expect("no panics while locked").0 = true;
        changed.notify_all();
        (wall, waited)
    });
    let (status, usage) = reap(pid)?;
    waited?;
    drop(child);
    if state.into_inner().expect("no panics while locked").1 {
        return Ok(Outcome::TimedOut);
    }
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    let signal = libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status));
    let cpu = timeval(usage.ru_utime) + timeval(usage.ru_stime);
    // Linux reports ru_maxrss in KiB.
    let peak_rss = (usage.ru_maxrss.max(0) as u64) * 1024;
    Ok(Outcome::Exited { code, signal, usage: Usage { wall, cpu, peak_rss } })
}

fn wait_without_reaping(pid: libc::pid_t) -> io::Result<()> {
    loop {
        // SAFETY: `info` is a plain struct the kernel fills in.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let result = unsafe { libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, libc::WEXITED | libc::WNOWAIT) };
        if result == 0 {
            return Ok(());
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

fn reap(pid: libc::pid_t) -> io::Result<(libc::c_int, libc::rusage)> {
    loop {
        let mut status = 0;
        // SAFETY: `usage` is a plain struct the kernel fills in.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let result = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if result == pid {
            return Ok((status, usage));
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

fn timeval(time: libc::timeval) -> Duration {
    Duration::from_secs(time.tv_sec.max(0) as u64) + Duration::from_micros(time.tv_usec.max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    #[test]
    fn reports_exit_codes() {
        match run(&mut shell("exit 3"), Duration::from_secs(10)).unwrap() {
            Outcome::Exited { code, signal, .. } => assert_eq!((code, signal), (Some(3), None)),
            Outcome::TimedOut => panic!("sh -c 'exit 3' timed out"),
        }
        match run(&mut shell("kill -9 $$"), Duration::from_secs(10)).unwrap() {
            Outcome::Exited { code, signal, .. } => assert_eq!((code, signal), (None, Some(9))),
            Outcome::TimedOut => panic!("a killed shell counted as timed out"),
        }
    }

    #[test]
    fn kills_a_child_past_its_limit() {
        let start = Instant::now();
        let outcome = run(&mut shell("exec sleep 30"), Duration::from_millis(200)).unwrap();
        assert!(matches!(outcome, Outcome::TimedOut), "{outcome:?}");
        assert!(start.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn measures_memory_and_time_of_the_child() {
        // The shell holds 64 MiB in a variable; the harness itself stays far smaller.
        let mut command = shell("x=$(head -c 67108864 /dev/zero | tr '\\0' a); echo ${#x}");
        command.stdout(std::process::Stdio::null());
        let (code, usage) = match run(&mut command, Duration::from_secs(60)).unwrap() {
            Outcome::Exited { code, usage, .. } => (code, usage),
            Outcome::TimedOut => panic!("timed out"),
        };
        assert_eq!(code, Some(0));
        assert!(usage.peak_rss >= 64 << 20, "peak RSS {} too small", usage.peak_rss);
        assert!(usage.wall > Duration::ZERO && usage.cpu > Duration::ZERO);
    }
}
