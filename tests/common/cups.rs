//! A private CUPS server for the printing tests: its own configuration, spool, state and logs in
//! a temporary directory, listening on a free loopback port, killed when dropped. It does not
//! need (nor disturb) the machine's own cupsd, so the tests run the same on a developer machine
//! and in CI. Queues are created with `lpadmin` against it, from the PPDs in tests/fixtures/,
//! with a `file:` device, so a job's output lands in the temporary directory.
//!
//! Needs the Debian packages `cups` (cupsd, and cups-filters' pdftopdf that the test PPDs use)
//! and `cups-client` (lpadmin, lpstat); without them the tests fail and say so.

use std::fmt::Write as _;
use std::fs;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const INSTALL: &str = "the printing tests need a real CUPS: install the Debian packages cups and \
                       cups-client (apt-get install -y cups cups-client); .ci/run installs them";

/// How long cupsd may take to start on a slow, busy machine.
const START_TIMEOUT: Duration = Duration::from_secs(60);

pub struct Cups {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

/// A test PPD from tests/fixtures/.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// `program` from PATH or the sbin directories (cupsd and lpadmin live in /usr/sbin, which is
/// not on every PATH); panics with what to install when it is missing.
pub fn program(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} not found: {INSTALL}"))
}

/// A loopback port that nothing listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    listener.local_addr().expect("local address").port()
}

fn id(flag: &str) -> String {
    let out = Command::new("id").arg(flag).output().expect("run id");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

impl Cups {
    /// Starts a private cupsd and waits until it answers.
    pub fn start() -> Cups {
        let cupsd = program("cupsd");
        program("lpadmin");
        program("lpstat");
        // The test PPDs take PDF through cups-filters' pdftopdf (a dependency of cups).
        let pdftopdf = Path::new("/usr/lib/cups/filter/pdftopdf");
        assert!(
            pdftopdf.is_file(),
            "{} not found: {INSTALL}",
            pdftopdf.display()
        );
        let mut failures = Vec::new();
        // Another process may take the free port between the probe and cupsd's bind: try again.
        for _ in 0..3 {
            match Cups::try_start(&cupsd) {
                Ok(cups) => return cups,
                Err(why) => failures.push(why),
            }
        }
        panic!("cupsd did not start:\n{}", failures.join("\n----\n"));
    }

    fn try_start(cupsd: &Path) -> Result<Cups, String> {
        let dir = tempfile::Builder::new()
            .prefix("grad-intake-cups-")
            .tempdir()
            .expect("temporary directory");
        // cupsd runs filters as its unprivileged User (lp when it runs as root): they must reach
        // the spool and temporary directories inside.
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).expect("chmod");
        for sub in ["conf", "spool", "cache", "state", "tmp", "log", "out"] {
            fs::create_dir(dir.path().join(sub)).expect("create directory");
        }
        // The keychain for ipps: cupsd makes a self-signed certificate there on the first TLS
        // connection, but only if the directory exists.
        fs::create_dir(dir.path().join("conf/ssl")).expect("create directory");
        fs::set_permissions(
            dir.path().join("conf/ssl"),
            fs::Permissions::from_mode(0o700),
        )
        .expect("chmod");
        let port = free_port();
        let d = dir.path().display();
        let cupsd_conf = format!(
            "Listen 127.0.0.1:{port}\n\
             LogLevel debug\n\
             MaxLogSize 0\n\
             Browsing No\n\
             WebInterface No\n\
             DefaultAuthType None\n\
             <Location />\n  Order allow,deny\n  Allow all\n</Location>\n\
             <Policy default>\n\
             \x20 JobPrivateAccess all\n  JobPrivateValues none\n\
             \x20 SubscriptionPrivateAccess all\n  SubscriptionPrivateValues none\n\
             \x20 <Limit All>\n    Order deny,allow\n  </Limit>\n\
             </Policy>\n"
        );
        // As root cupsd runs filters as lp (the default); as anyone else it can only run them
        // as that user.
        let (user, group) = if id("-u") == "0" {
            (String::new(), "SystemGroup root\n".to_string())
        } else {
            let (user, group) = (id("-un"), id("-gn"));
            (
                format!("User {user}\nGroup {group}\n"),
                format!("SystemGroup {group}\n"),
            )
        };
        let files_conf = format!(
            "ServerRoot {d}/conf\n\
             RequestRoot {d}/spool\n\
             CacheDir {d}/cache\n\
             StateDir {d}/state\n\
             TempDir {d}/tmp\n\
             AccessLog {d}/log/access_log\n\
             ErrorLog {d}/log/error_log\n\
             PageLog {d}/log/page_log\n\
             FileDevice Yes\n\
             Printcap {d}/printcap\n\
             {user}{group}"
        );
        let cupsd_path = dir.path().join("cupsd.conf");
        let files_path = dir.path().join("cups-files.conf");
        fs::write(&cupsd_path, cupsd_conf).expect("write cupsd.conf");
        fs::write(&files_path, files_conf).expect("write cups-files.conf");
        let stderr = fs::File::create(dir.path().join("log/stderr")).expect("stderr file");
        let child = Command::new(cupsd)
            .arg("-f")
            .arg("-c")
            .arg(&cupsd_path)
            .arg("-s")
            .arg(&files_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}; {INSTALL}", cupsd.display()));
        let mut cups = Cups { child, dir, port };
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = cups.child.try_wait() {
                return Err(format!("cupsd exited ({status}):\n{}", cups.logs()));
            }
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            if TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok() {
                // Something answers on the port: make sure it is our scheduler.
                let out = Command::new(program("lpstat"))
                    .args(["-h", &cups.server(), "-r"])
                    .output()
                    .expect("run lpstat");
                if out.status.success() && cups.child.try_wait().ok().flatten().is_none() {
                    return Ok(cups);
                }
            }
            if started.elapsed() > START_TIMEOUT {
                return Err(format!("cupsd did not answer in time:\n{}", cups.logs()));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `127.0.0.1:PORT`, for `-h` of the CUPS commands.
    pub fn server(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The IPP URI of a queue.
    pub fn uri(&self, queue: &str) -> String {
        format!("ipp://127.0.0.1:{}/printers/{queue}", self.port)
    }

    /// What the queue's file device received (empty: nothing was printed).
    pub fn printed(&self, queue: &str) -> Vec<u8> {
        fs::read(self.output(queue)).expect("the queue's output file")
    }

    /// Where the queue's file device writes.
    pub fn output(&self, queue: &str) -> PathBuf {
        self.dir.path().join("out").join(format!("{queue}.prn"))
    }

    /// Creates an enabled queue with the PPD (a file in tests/fixtures/) and a file device.
    pub fn add_queue(&self, queue: &str, ppd: &str) {
        // Since Debian's cups 2.4.2-3+deb12u10 (CVE fixes of November 2026) the scheduler opens
        // a `file:` device without O_CREAT: the file must exist. Empty until a job is printed.
        fs::write(self.output(queue), b"").expect("the queue's output file");
        fs::set_permissions(self.output(queue), fs::Permissions::from_mode(0o666)).expect("chmod");
        let device = format!("file://{}", self.output(queue).display());
        let out = Command::new(program("lpadmin"))
            .args(["-h", &self.server(), "-p", queue, "-E", "-v", &device, "-P"])
            .arg(fixture(ppd))
            .output()
            .expect("run lpadmin");
        assert!(
            out.status.success(),
            "lpadmin -p {queue} failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            self.logs()
        );
    }

    /// The scheduler's error log and stderr (their last lines), for failure messages.
    pub fn logs(&self) -> String {
        let mut all = String::new();
        for name in ["stderr", "error_log"] {
            if let Ok(text) = fs::read_to_string(self.dir.path().join("log").join(name)) {
                let lines: Vec<&str> = text.lines().collect();
                let tail = &lines[lines.len().saturating_sub(80)..];
                let _ = writeln!(all, "== {name} (last lines) ==\n{}", tail.join("\n"));
            }
        }
        all
    }
}

impl Drop for Cups {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
