//! `cargo xtask fleet [--devices N] [--seconds S] [--interval-ms I] [--outage-seconds O]
//! [--workers W] [--buf-bytes B] [--json PATH] [--unchecked-gateway]`: a simulated fleet
//! through real engines.
//!
//! N devices, each with its own registry (the metric set of the QEMU example firmware,
//! tests/firmware/src/main.rs, with the device id as the constant label `device`), report every
//! I ms for S seconds through the **embedded adapter's clients** (`edgeprom_embedded::
//! Pushgateway::push`, `RemoteWriteClient::write`) over real loopback TCP sockets, along three
//! paths, one after the other:
//!
//! 1. `pushgateway`: one `prometheus-pushgateway`, grouping key `device=<id>`, a fresh
//!    connection per push (the client sends `Connection: close`);
//! 2. `victoriametrics`: remote write straight into `victoria-metrics`, one kept-alive
//!    connection per device;
//! 3. `vmagent`: remote write into `vmagent` (on-disk queue in `-remoteWrite.tmpDataPath`)
//!    forwarding to a second `victoria-metrics` and to Prometheus 2.42's remote-write receiver
//!    at once. While the fleet reports, that VictoriaMetrics is stopped (SIGTERM) for O seconds
//!    and started again; afterwards both engines must hold every sample sent.
//!
//! With `--unchecked-gateway`, path 1 runs twice, the second time against a gateway started
//! with `--push.disable-consistency-check` (its push-time check costs O(everything held)).
//!
//! In every path the devices whose index ends in 9 (one in ten) stop reporting halfway through.
//! At the end the samples each engine stored are counted (`count_over_time` over raw samples;
//! the gateway's `/metrics`), every device's last value is read back (`fw_frames_total{port=
//! "uart0",result="ok"}` counts a device's reports), and what each engine says about the devices
//! that stopped is shown, at the time the run ended: the gateway keeps their last values;
//! Prometheus and VictoriaMetrics, which receive no staleness marker over remote write, answer
//! with the last value for their lookback window and nothing after it (Prometheus is started
//! with `--query.lookback-delta` of two intervals instead of 5 minutes, VictoriaMetrics is asked
//! with `max_lookback`; its plain query is shown too).
//!
//! The clients' CPU is each worker thread's own (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`,
//! user and system; `getrusage(RUSAGE_THREAD)` for the split), read around each round of sends
//! only: encoding, HTTP and the socket calls, not the metric updates. Wire bytes are the HTTP
//! bytes written and read by the clients (requests and replies; no TCP/IP headers).
//!
//! Exit status: 0 when every check held, 1 otherwise (the figures are printed either way).
#![deny(unsafe_code)]

use std::fmt::Write as _;
use std::io;
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use edgeprom::encode::remote_write::RemoteWrite;
use edgeprom::{
    buckets, CallbackGauge, Counter, Family, Format, Gauge, Histogram, Info, Metric, Registry,
    StateSet, Summary, WallClock,
};
use edgeprom_embedded::embedded_io;
use edgeprom_embedded::{Pushgateway as PushClient, RemoteWriteClient};
use edgeprom_tests::prompb;
use edgeprom_tests::servers::{
    poll_until, Prometheus, Pushgateway, Sample, VictoriaMetrics, Vmagent,
};

const USAGE: &str = "usage: fleet [--devices N] [--seconds S] [--interval-ms I] \
[--outage-seconds O] [--workers W] [--buf-bytes B] [--json PATH] [--unchecked-gateway]";

/// The job the devices push as.
const JOB: &str = "fleet";
/// The series that counts a device's reports: its last value read back is checked.
const REPORTS: &str = "fw_frames_total{port=\"uart0\",result=\"ok\"}";
/// VictoriaMetrics flags: data visible to queries at once (no 30 s latency offset) and no
/// cached query results, so that counts read back are current.
const VM_FLAGS: [&str; 2] = ["-search.latencyOffset=0s", "-search.disableCache"];
/// The clients' goal: CPU per sample.
const GOAL_NS_PER_SAMPLE: f64 = 1000.0;

#[derive(Debug, Clone)]
struct Options {
    devices: usize,
    seconds: u64,
    interval_ms: u64,
    outage_seconds: u64,
    workers: usize,
    buf_bytes: usize,
    json: Option<String>,
    /// Also run path 1 against a gateway started with `--push.disable-consistency-check`.
    unchecked_gateway: bool,
}

impl Options {
    fn parse() -> Result<Self, String> {
        let mut o = Options {
            devices: 200,
            seconds: 12,
            interval_ms: 1000,
            outage_seconds: 0,
            workers: 4,
            buf_bytes: 1024,
            json: None,
            unchecked_gateway: false,
        };
        let mut outage = None;
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let (key, inline) = match arg.split_once('=') {
                Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
                None => (arg.clone(), None),
            };
            if key == "-h" || key == "--help" {
                return Err(USAGE.to_owned());
            }
            if key == "--unchecked-gateway" {
                o.unchecked_gateway = true;
                continue;
            }
            let value = inline
                .or_else(|| args.next())
                .ok_or_else(|| format!("{key} needs a value\n{USAGE}"))?;
            let num = |v: &str| {
                v.parse::<u64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("{key}: `{v}` is not a positive integer"))
            };
            match key.as_str() {
                "--devices" => o.devices = num(&value)? as usize,
                "--seconds" => o.seconds = num(&value)?,
                "--interval-ms" => o.interval_ms = num(&value)?,
                "--outage-seconds" => outage = Some(num(&value)?),
                "--workers" => o.workers = num(&value)? as usize,
                "--buf-bytes" => o.buf_bytes = num(&value)? as usize,
                "--json" => o.json = Some(value),
                _ => return Err(format!("unexpected argument `{arg}`\n{USAGE}")),
            }
        }
        // The 30 s outage when the run is long enough to hold it with reporting on
        // both sides; in a shorter (CI) run, a third of the run.
        o.outage_seconds = outage.unwrap_or(if o.seconds >= 45 {
            30
        } else {
            (o.seconds / 3).max(1)
        });
        if o.seconds * 1000 / 2 < o.interval_ms * 3 {
            return Err(format!(
                "--seconds {} is too short to show staleness: the devices that stop are silent \
                 for half the run, which must be at least three intervals ({} ms)",
                o.seconds,
                o.interval_ms * 3
            ));
        }
        if o.outage_seconds + 2 > o.seconds {
            return Err(format!(
                "--outage-seconds {} leaves no reporting around the outage in --seconds {}",
                o.outage_seconds, o.seconds
            ));
        }
        Ok(o)
    }

    fn interval(&self) -> Duration {
        Duration::from_millis(self.interval_ms)
    }
}

// ---- one device: the QEMU firmware's metric set ------------------------------------------

/// The host's clock: devices are assumed to have set theirs (SNTP, or a reply's `Date`).
struct SystemClock;
impl WallClock for SystemClock {
    fn unix_time(&self) -> Duration {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
    }
}
static CLOCK: SystemClock = SystemClock;

buckets!(LatencyBuckets: f64 = [0.1, 0.25, 0.5, 1.0]);

fn free_ram() -> i64 {
    40_960
}

/// tests/firmware/src/main.rs' metrics, one set per device.
struct DeviceMetrics {
    boots: Metric<Counter>,
    energy: Metric<Counter<f64>>,
    temperature: Metric<Gauge>,
    queue: Metric<Gauge<i64>>,
    last_sync: Metric<Gauge>,
    latency: Metric<Histogram<LatencyBuckets>>,
    payload: Metric<Summary>,
    frames: Family<Counter, 2, 4, 16>,
    build: Info<'static, 2>,
    link: StateSet<3>,
    free_ram: CallbackGauge<fn() -> i64, i64>,
}

impl DeviceMetrics {
    fn new() -> Self {
        DeviceMetrics {
            boots: Metric::new("fw_boots", "Boots since flashing"),
            energy: Metric::with_unit("fw_energy_joules", "Energy used", "joules"),
            temperature: Metric::new("fw_temperature_celsius", "Die temperature"),
            queue: Metric::new("fw_queue_depth", "Frames waiting"),
            last_sync: Metric::new("fw_last_sync_timestamp_seconds", "When the clock was set"),
            latency: Metric::with_unit("fw_latency_seconds", "Request latency", "seconds"),
            payload: Metric::new("fw_payload_bytes", "Payload sizes"),
            frames: Family::new("fw_frames", "Frames by port and result", ["port", "result"]),
            build: Info::new(
                "fw_build",
                "Firmware build",
                [("version", "0.1.0"), ("target", "thumbv7m-none-eabi")],
            ),
            link: StateSet::new("fw_link", "Link state", ["down", "up", "degraded"]),
            free_ram: CallbackGauge::new("fw_free_ram_bytes", "Free RAM", free_ram),
        }
    }
}

struct Device {
    index: usize,
    id: &'static str,
    metrics: &'static DeviceMetrics,
    registry: Registry<'static, 12>,
    push: PushClient<'static>,
    conn: Option<Wire>,
    /// Reports recorded (the value of `fw_frames_total{port="uart0",result="ok"}`).
    recorded: u64,
    /// That value in the last report the receiver acknowledged.
    acked: u64,
    /// Whether it stops reporting halfway through.
    stops: bool,
}

fn leak<T>(v: T) -> &'static T {
    Box::leak(Box::new(v))
}

impl Device {
    fn new(index: usize, host: &'static str) -> Result<Self, String> {
        let id: &'static str = Box::leak(format!("dev-{index:05}").into_boxed_str());
        let labels: &'static [(&'static str, &'static str)] =
            Box::leak(vec![("device", id)].into_boxed_slice());
        let m = leak(DeviceMetrics::new());
        let mut registry: Registry<'static, 12> = Registry::new()
            .with_wall_clock(&CLOCK)
            .with_const_labels(labels)
            .map_err(|e| e.to_string())?;
        let all: [&'static dyn edgeprom::Collect; 11] = [
            &m.boots,
            &m.energy,
            &m.temperature,
            &m.queue,
            &m.last_sync,
            &m.latency,
            &m.payload,
            &m.frames,
            &m.build,
            &m.link,
            &m.free_ram,
        ];
        for c in all {
            registry.register(c).map_err(|e| e.to_string())?;
        }
        // What the firmware records once.
        m.boots.inc_by(1 + (index % 3) as u64);
        m.last_sync.set_to_current_time(&CLOCK);
        m.link.set("up").map_err(|e| e.to_string())?;
        for (labels, n) in [(["uart0", "crc"], 1), (["can \"1\"", "ok"], 3)] {
            m.frames
                .labels(labels)
                .map_err(|e| e.to_string())?
                .inc_by(n);
        }
        let grouping: &'static [(&'static str, &'static str)] = labels;
        let push = PushClient::new(host, JOB)
            .and_then(|p| p.with_grouping(grouping))
            .map_err(|e| e.to_string())?;
        Ok(Device {
            index,
            id,
            metrics: m,
            registry,
            push,
            conn: None,
            recorded: 0,
            acked: 0,
            stops: index % 10 == 9,
        })
    }

    /// One round of the firmware's work.
    fn record(&mut self, round: u64) -> Result<(), String> {
        let m = self.metrics;
        let i = self.index as f64;
        m.energy.inc_by(0.25).map_err(|e| e.to_string())?;
        m.temperature
            .set(20.0 + (i % 100.0) * 0.1 + (round % 10) as f64 * 0.01);
        m.queue.set((round % 7) as i64 - 3);
        m.latency
            .observe(((round + self.index as u64) % 13) as f64 * 0.1)
            .map_err(|e| e.to_string())?;
        m.payload
            .observe(100.0 + (round % 5) as f64 * 78.0)
            .map_err(|e| e.to_string())?;
        m.frames
            .labels(["uart0", "ok"])
            .map_err(|e| e.to_string())?
            .inc();
        self.recorded += 1;
        Ok(())
    }
}

// ---- the transport: a TCP socket as embedded_io, counting bytes ---------------------------

/// A device's TCP socket: what the client writes goes into a send buffer of
/// [`SEND_BUFFER`] bytes, sent when it is full, on `flush` and before a read, and what arrives
/// is taken into a receive buffer of as many bytes, from which the client's reads are served,
/// as a device's stack (smoltcp's socket buffers, lwIP's `TCP_SND_BUF` and window) moves
/// segments rather than each small read or write of the client.
struct Wire {
    stream: TcpStream,
    tx: Vec<u8>,
    /// The receive buffer: `rx[rx_at..]` arrived and is not read yet.
    rx: Vec<u8>,
    rx_at: usize,
    written: u64,
    read: u64,
}

/// The send buffer of a simulated device's socket (smoltcp's examples use 1-8 KiB).
const SEND_BUFFER: usize = 4096;

impl Wire {
    /// Sends what the send buffer holds.
    fn send(&mut self) -> io::Result<()> {
        if !self.tx.is_empty() {
            io::Write::write_all(&mut self.stream, &self.tx)?;
            self.tx.clear();
        }
        Ok(())
    }
}

impl Wire {
    fn connect(addr: SocketAddr) -> io::Result<Self> {
        let stream = TcpStream::connect(addr)?;
        // Devices' TCP stacks (smoltcp, lwIP as configured on MCUs) send at once; Nagle's
        // algorithm with the receiver's delayed ACK would add 40 ms to every request.
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        stream.set_write_timeout(Some(Duration::from_secs(10)))?;
        Ok(Wire {
            stream,
            tx: Vec::with_capacity(SEND_BUFFER),
            rx: vec![0; SEND_BUFFER],
            rx_at: SEND_BUFFER,
            written: 0,
            read: 0,
        })
    }
}

impl embedded_io::ErrorType for Wire {
    type Error = io::Error;
}

impl embedded_io::Read for Wire {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.send()?;
        if self.rx_at == self.rx.len() {
            self.rx.resize(SEND_BUFFER, 0);
            let got = io::Read::read(&mut self.stream, &mut self.rx)?;
            self.rx.truncate(got);
            self.rx_at = 0;
            self.read += got as u64;
        }
        let rest = &self.rx[self.rx_at..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.rx_at += n;
        Ok(n)
    }
}

impl embedded_io::Write for Wire {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.tx.len() + buf.len() > SEND_BUFFER {
            self.send()?;
        }
        let n = buf.len().min(SEND_BUFFER);
        self.tx.extend_from_slice(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.send()?;
        io::Write::flush(&mut self.stream)
    }
}

/// A transport that takes every byte and answers every request with `reply`: the clients'
/// own cost (encoding twice, HTTP framing, the reply's parsing) without the kernel's.
struct NullWire {
    reply: &'static [u8],
    pos: usize,
    written: u64,
}

impl embedded_io::ErrorType for NullWire {
    type Error = io::Error;
}

impl embedded_io::Read for NullWire {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let rest = self.reply.get(self.pos..).unwrap_or_default();
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.pos += n;
        Ok(n)
    }
}

impl embedded_io::Write for NullWire {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // A request is being written: its reply starts again.
        self.pos = 0;
        self.written += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// CPU per sample of the clients alone (no socket): `devices` devices, `rounds` reports each,
/// pushed and remote-written into a [`NullWire`]; (push ns, remote write ns) per sample.
fn client_only_cost(shape: &Shape, opts: &Options) -> Result<(f64, f64), String> {
    let devices = opts.devices.min(1000);
    let rounds = 20;
    let mut ds = (0..devices)
        .map(|i| Device::new(i, "127.0.0.1:9"))
        .collect::<Result<Vec<_>, _>>()?;
    let rw = RemoteWriteClient::new("127.0.0.1:9", "/api/v1/write")
        .map_err(|e| e.to_string())?
        .with_keep_alive(true);
    let mut buf = vec![0u8; opts.buf_bytes];
    let mut push_ns = 0;
    let mut rw_ns = 0;
    for round in 0..rounds {
        for d in &mut ds {
            d.record(round)?;
        }
        let mut wire = NullWire {
            reply: b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
            pos: 0,
            written: 0,
        };
        let (a, _, _) = thread_cpu();
        for d in &ds {
            d.push
                .push(&mut wire, &d.registry, &mut buf)
                .map_err(|e| e.to_string())?;
        }
        let (b, _, _) = thread_cpu();
        let mut wire = NullWire {
            reply: b"HTTP/1.1 204 No Content\r\n\r\n",
            pos: 0,
            written: 0,
        };
        for d in &ds {
            rw.write(&mut wire, &d.registry, &RemoteWrite::now(&CLOCK), &mut buf)
                .map_err(|e| e.to_string())?;
        }
        let (c, _, _) = thread_cpu();
        push_ns += b - a;
        rw_ns += c - b;
    }
    let reports = (devices as u64 * rounds) as f64;
    Ok((
        push_ns as f64 / (reports * shape.per_push as f64),
        rw_ns as f64 / (reports * shape.per_remote_write as f64),
    ))
}

// ---- thread CPU time -----------------------------------------------------------------------

/// This thread's CPU time: (user + system in ns from `CLOCK_THREAD_CPUTIME_ID`, user µs and
/// system µs from `getrusage(RUSAGE_THREAD)`).
#[allow(unsafe_code)]
fn thread_cpu() -> (u64, u64, u64) {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through the valid pointer it is given.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    let ns = if rc == 0 {
        ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
    } else {
        0
    };
    let mut ru = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes one rusage through the valid pointer it is given; the zeroed
    // value is a valid rusage (plain integers) whether or not it succeeds.
    let ru = unsafe {
        libc::getrusage(libc::RUSAGE_THREAD, ru.as_mut_ptr());
        ru.assume_init()
    };
    let us = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    (ns, us(ru.ru_utime), us(ru.ru_stime))
}

// ---- a path's run --------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum Send {
    Push(SocketAddr),
    RemoteWrite(SocketAddr),
}

#[derive(Default)]
struct Tally {
    requests_ok: u64,
    requests_failed: u64,
    samples_sent: u64,
    bytes: u64,
    cpu_ns: u64,
    user_us: u64,
    sys_us: u64,
    rounds: u64,
    late_rounds: u64,
    first_error: Option<String>,
    /// (device id, last acknowledged report count, stopped halfway)
    last: Vec<(String, u64, bool)>,
    /// When the run ended, in Unix seconds (staleness is judged at that time).
    ended_unix: f64,
}

impl Tally {
    fn add(&mut self, o: Tally) {
        self.requests_ok += o.requests_ok;
        self.requests_failed += o.requests_failed;
        self.samples_sent += o.samples_sent;
        self.bytes += o.bytes;
        self.cpu_ns += o.cpu_ns;
        self.user_us += o.user_us;
        self.sys_us += o.sys_us;
        self.rounds = self.rounds.max(o.rounds);
        self.late_rounds = self.late_rounds.max(o.late_rounds);
        if self.first_error.is_none() {
            self.first_error = o.first_error;
        }
        self.last.extend(o.last);
    }
}

/// Runs one worker's devices (`index % workers == worker`) for the run's duration.
fn worker(
    opts: &Options,
    worker: usize,
    send: Send,
    per_request: u64,
    start: Instant,
) -> Result<Tally, String> {
    let (Send::Push(addr) | Send::RemoteWrite(addr)) = send;
    let host: &'static str = Box::leak(addr.to_string().into_boxed_str());
    let mut devices = (0..opts.devices)
        .filter(|i| i % opts.workers == worker)
        .map(|i| Device::new(i, host))
        .collect::<Result<Vec<_>, _>>()?;
    let rw = RemoteWriteClient::new(host, "/api/v1/write")
        .map_err(|e| e.to_string())?
        .with_keep_alive(true);
    let mut buf = vec![0u8; opts.buf_bytes];
    let mut t = Tally::default();
    let interval = opts.interval();
    let end = start + Duration::from_secs(opts.seconds);
    let halfway = start + Duration::from_secs(opts.seconds) / 2;
    let mut round = 0u64;
    loop {
        let tick = start + interval * round as u32;
        if tick >= end {
            break;
        }
        let now = Instant::now();
        if now < tick {
            thread::sleep(tick - now);
        } else if now > tick + interval {
            t.late_rounds += 1;
            // Behind: skip to the current tick (the devices would report late, not twice).
            round = ((now - start).as_millis() / interval.as_millis()) as u64;
        }
        let stopped_now = Instant::now() >= halfway;
        for d in devices.iter_mut().filter(|d| !(d.stops && stopped_now)) {
            d.record(round)?;
        }
        let (ns0, u0, s0) = thread_cpu();
        for d in devices.iter_mut().filter(|d| !(d.stops && stopped_now)) {
            // A saturated receiver: the run ends on time, the rest of the round unsent.
            if Instant::now() >= end {
                break;
            }
            let ok = match send {
                Send::Push(addr) => push_once(d, addr, &mut buf, &mut t),
                Send::RemoteWrite(addr) => write_once(d, addr, &rw, &mut buf, &mut t),
            };
            if ok {
                t.requests_ok += 1;
                t.samples_sent += per_request;
                d.acked = d.recorded;
            } else {
                t.requests_failed += 1;
            }
        }
        let (ns1, u1, s1) = thread_cpu();
        t.cpu_ns += ns1 - ns0;
        t.user_us += u1 - u0;
        t.sys_us += s1 - s0;
        t.rounds += 1;
        round += 1;
    }
    for d in &mut devices {
        if let Some(w) = d.conn.take() {
            t.bytes += w.written + w.read;
        }
    }
    t.last = devices
        .iter()
        .map(|d| (d.id.to_owned(), d.acked, d.stops))
        .collect();
    Ok(t)
}

fn note_error(t: &mut Tally, e: String) {
    if t.first_error.is_none() {
        t.first_error = Some(e);
    }
}

/// A push on a fresh connection (the client asks to close it).
fn push_once(d: &mut Device, addr: SocketAddr, buf: &mut [u8], t: &mut Tally) -> bool {
    let mut wire = match Wire::connect(addr) {
        Ok(w) => w,
        Err(e) => {
            note_error(t, format!("connect: {e}"));
            return false;
        }
    };
    let r = d.push.push(&mut wire, &d.registry, buf);
    t.bytes += wire.written + wire.read;
    match r {
        Ok(_) => true,
        Err(e) => {
            note_error(t, format!("push {}: {e}", d.id));
            false
        }
    }
}

/// A remote write on the device's kept-alive connection; on a transport error or a
/// retryable status, once more on a new connection (same samples, same timestamp).
fn write_once(
    d: &mut Device,
    addr: SocketAddr,
    client: &RemoteWriteClient<'_>,
    buf: &mut [u8],
    t: &mut Tally,
) -> bool {
    let request = RemoteWrite::now(&CLOCK);
    for attempt in 0..2 {
        if d.conn.is_none() {
            match Wire::connect(addr) {
                Ok(w) => d.conn = Some(w),
                Err(e) => {
                    note_error(t, format!("connect: {e}"));
                    return false;
                }
            }
        }
        let Some(conn) = d.conn.as_mut() else {
            return false;
        };
        match client.write(conn, &d.registry, &request, buf) {
            Ok(_) => return true,
            Err(e) => {
                if let Some(w) = d.conn.take() {
                    t.bytes += w.written + w.read;
                }
                if !e.is_retryable() || attempt == 1 {
                    note_error(t, format!("remote write {}: {e}", d.id));
                    return false;
                }
            }
        }
    }
    false
}

/// Runs every worker of one path at once; returns the tally and the reporting time.
fn run_fleet(
    opts: &Options,
    send: Send,
    per_request: u64,
    during: impl FnOnce(Instant) -> Result<(), String>,
) -> Result<(Tally, Duration), String> {
    let start = Instant::now() + Duration::from_millis(200);
    let (tally, fault) = thread::scope(|s| {
        let handles: Vec<_> = (0..opts.workers)
            .map(|w| s.spawn(move || worker(opts, w, send, per_request, start)))
            .collect();
        let fault = during(start);
        let mut total = Tally::default();
        let mut err = None;
        for h in handles {
            match h.join() {
                Ok(Ok(t)) => total.add(t),
                Ok(Err(e)) => err = Some(e),
                Err(_) => err = Some("a worker panicked".to_owned()),
            }
        }
        match err {
            Some(e) => (Err(e), fault),
            None => (Ok(total), fault),
        }
    });
    let elapsed = start.elapsed();
    fault?;
    let mut tally = tally?;
    tally.ended_unix = CLOCK.unix_time().as_secs_f64();
    Ok((tally, elapsed))
}

// ---- what one request carries --------------------------------------------------------------

/// What one device sends: the samples in one push (sample lines of the text), in one remote
/// write request (decoded back with the reference decoder), and the names of the series remote
/// write carries; from a device that recorded once.
struct Shape {
    per_push: u64,
    per_remote_write: u64,
    names: Vec<String>,
}

fn shape() -> Result<Shape, String> {
    let mut d = Device::new(0, "127.0.0.1:1")?;
    d.record(0)?;
    let mut text = String::new();
    d.registry
        .encode_to(Format::Prometheus, &mut text)
        .map_err(|e| e.to_string())?;
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let request = RemoteWrite::now(&CLOCK);
    let len = d
        .registry
        .remote_write_snappy_len(&request)
        .map_err(|e| e.to_string())?;
    let mut body = vec![0u8; len];
    d.registry
        .encode_remote_write_snappy(&request, &mut body)
        .map_err(|e| e.to_string())?;
    let decoded = prompb::decode_body(&body)?;
    let mut names: Vec<String> = decoded
        .timeseries
        .iter()
        .filter_map(|ts| ts.label("__name__").map(str::to_owned))
        .collect();
    names.dedup();
    if std::env::var_os("FLEET_SHOW_SHAPE").is_some() {
        eprintln!("{text}");
        for ts in &decoded.timeseries {
            eprintln!("{:?} {}", ts.pairs(), ts.samples.len());
        }
    }
    Ok(Shape {
        per_push: lines.len() as u64,
        per_remote_write: decoded
            .timeseries
            .iter()
            .map(|ts| ts.samples.len() as u64)
            .sum(),
        names,
    })
}

// ---- results -------------------------------------------------------------------------------

struct PathResult {
    name: &'static str,
    devices: usize,
    samples_sent: u64,
    samples_stored: u64,
    samples_per_s: f64,
    client_cpu_ns_per_sample: f64,
    client_user_share: f64,
    client_only_ns_per_sample: f64,
    wire_bytes_per_sample: f64,
    receiver_rss_bytes: u64,
    agent_rss_bytes: Option<u64>,
    offered_requests_per_s: f64,
    requests_per_s: f64,
    requests_failed: u64,
    late_rounds: u64,
    last_values_stored: bool,
    devices_reported: usize,
    stopped_devices: usize,
    stopped_shown_by_plain_query: usize,
    stale: String,
    notes: Vec<String>,
    failures: Vec<String>,
}

impl PathResult {
    fn new(name: &'static str, opts: &Options, t: &Tally, elapsed: Duration) -> Self {
        let secs = elapsed.as_secs_f64().max(1e-9);
        let samples = t.samples_sent.max(1) as f64;
        let cpu_us = (t.user_us + t.sys_us).max(1) as f64;
        let mut failures = Vec::new();
        if let Some(e) = &t.first_error {
            failures.push(format!("{} requests failed; first: {e}", t.requests_failed));
        }
        PathResult {
            name,
            devices: opts.devices,
            samples_sent: t.samples_sent,
            samples_stored: 0,
            samples_per_s: t.samples_sent as f64 / secs,
            client_cpu_ns_per_sample: t.cpu_ns as f64 / samples,
            client_user_share: t.user_us as f64 / cpu_us,
            client_only_ns_per_sample: 0.0,
            wire_bytes_per_sample: t.bytes as f64 / samples,
            receiver_rss_bytes: 0,
            agent_rss_bytes: None,
            offered_requests_per_s: opts.devices as f64 * 1000.0 / opts.interval_ms as f64,
            requests_per_s: t.requests_ok as f64 / secs,
            requests_failed: t.requests_failed,
            late_rounds: t.late_rounds,
            last_values_stored: false,
            devices_reported: t.last.iter().filter(|l| l.1 > 0).count(),
            stopped_devices: t.last.iter().filter(|l| l.2).count(),
            stopped_shown_by_plain_query: 0,
            stale: String::new(),
            notes: Vec::new(),
            failures,
        }
    }

    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "devices": self.devices,
            "samples_sent": self.samples_sent,
            "samples_stored": self.samples_stored,
            "samples_per_s": self.samples_per_s,
            "client_cpu_ns_per_sample": self.client_cpu_ns_per_sample,
            "client_user_share": self.client_user_share,
            "client_only_ns_per_sample": self.client_only_ns_per_sample,
            "wire_bytes_per_sample": self.wire_bytes_per_sample,
            "receiver_rss_bytes": self.receiver_rss_bytes,
            "agent_rss_bytes": self.agent_rss_bytes,
            "offered_requests_per_s": self.offered_requests_per_s,
            "requests_per_s": self.requests_per_s,
            "requests_failed": self.requests_failed,
            "late_rounds": self.late_rounds,
            "last_values_stored": self.last_values_stored,
            "devices_reported": self.devices_reported,
            "stopped_devices": self.stopped_devices,
            "stopped_shown_by_plain_query": self.stopped_shown_by_plain_query,
            "stale": self.stale,
            "notes": self.notes,
            "failures": self.failures,
        })
    }
}

/// Whether `got` (device id -> value) holds every device's last acknowledged report count;
/// the mismatches, at most five, otherwise.
fn check_last(last: &[(String, u64, bool)], got: &[Sample]) -> Result<(), String> {
    let map: std::collections::HashMap<&str, f64> = got
        .iter()
        .filter_map(|s| Some((s.label("device")?, s.value)))
        .collect();
    // A device none of whose reports got through (a saturated receiver) has nothing to find.
    let bad: Vec<String> = last
        .iter()
        .filter(|(_, acked, _)| *acked > 0)
        .filter(|(id, acked, _)| map.get(id.as_str()) != Some(&(*acked as f64)))
        .take(5)
        .map(|(id, acked, _)| format!("{id}: sent {acked}, stored {:?}", map.get(id.as_str())))
        .collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(format!("last values not stored: {}", bad.join("; ")))
    }
}

fn sum_of(samples: &[Sample]) -> u64 {
    samples.iter().map(|s| s.value).sum::<f64>() as u64
}

/// Polls `count` until it equals `want` (for at most `timeout`); returns the last count.
fn wait_count(want: u64, timeout: Duration, mut count: impl FnMut() -> Option<u64>) -> u64 {
    let mut last = 0;
    let _ = poll_until(timeout, || {
        if let Some(c) = count() {
            last = c;
        }
        (last == want).then_some(())
    });
    last
}

/// An instant query against one engine: expression and extra query parameters to samples.
type Query<'a> = dyn Fn(&str, &[(&str, &str)]) -> io::Result<Vec<Sample>> + 'a;

/// Two report intervals, in whole seconds (at least one): the lookback the run uses to show
/// staleness (the devices that stop are silent for half the run, at least three intervals).
fn lookback(opts: &Options) -> String {
    format!("{}s", (opts.interval_ms * 2).div_ceil(1000))
}

/// Which engine a read-back talks to: what it says about the devices that stopped depends on it.
#[derive(Clone, Copy, PartialEq)]
enum Engine {
    Victoria,
    /// Started with `--query.lookback-delta` of [`lookback`].
    Prometheus,
}

/// What an engine answers about the devices that stopped: how many a plain instant query
/// still shows, and, for VictoriaMetrics, with a per-query lookback (`max_lookback`).
fn staleness(query: &Query<'_>, engine: Engine, opts: &Options, r: &mut PathResult, t: &Tally) {
    let last = &t.last;
    // At the end of the run: live devices reported less than an interval before it.
    let at = format!("{:.3}", t.ended_unix);
    let stopped: std::collections::HashSet<&str> =
        last.iter().filter(|l| l.2).map(|l| l.0.as_str()).collect();
    let live = last.len() - stopped.len();
    let shown = |s: &[Sample]| {
        let stale = s
            .iter()
            .filter(|s| s.label("device").is_some_and(|d| stopped.contains(d)))
            .count();
        (stale, s.len() - stale)
    };
    let window = lookback(opts);
    let silent = opts.seconds / 2;
    match engine {
        Engine::Victoria => {
            let plain = query(REPORTS, &[("time", &at)]).map(|s| shown(&s));
            let short =
                query(REPORTS, &[("time", &at), ("max_lookback", &window)]).map(|s| shown(&s));
            match (plain, short) {
                (Ok((a, la)), Ok((b, lb))) => {
                    r.stopped_shown_by_plain_query = a;
                    r.stale = format!(
                        "devices silent for {silent} s: {a} of {} still answered by a plain \
                         instant query (lookback detected from the samples' spacing, capped by \
                         -search.maxStalenessInterval), {b} with max_lookback={window}; live \
                         devices answered: {la} and {lb} of {live}",
                        r.stopped_devices
                    );
                    if b != 0 || lb != live {
                        r.failures.push(format!(
                            "with max_lookback={window}: {b} stopped devices answered, {lb} of \
                             {live} live ones"
                        ));
                    }
                }
                (Err(e), _) | (_, Err(e)) => r.failures.push(format!("staleness query: {e}")),
            }
        }
        Engine::Prometheus => match query(REPORTS, &[("time", &at)]).map(|s| shown(&s)) {
            Ok((a, la)) => {
                r.stopped_shown_by_plain_query = a;
                r.stale = format!(
                    "devices silent for {silent} s: {a} of {} answered by a plain instant query \
                     with --query.lookback-delta={window} (no staleness marker arrives over remote \
                     write; with the default 5m they would be answered for 5 minutes); live \
                     devices answered: {la} of {live}",
                    r.stopped_devices
                );
                if a != 0 || la != live {
                    r.failures.push(format!(
                        "with a {window} lookback: {a} stopped devices answered, {la} of {live} \
                         live ones"
                    ));
                }
            }
            Err(e) => r.failures.push(format!("staleness query: {e}")),
        },
    }
}

fn path_pushgateway(opts: &Options, per_push: u64, unchecked: bool) -> Result<PathResult, String> {
    let (name, flags): (_, &[&str]) = if unchecked {
        (
            "pushgateway-unchecked",
            &["--push.disable-consistency-check"],
        )
    } else {
        ("pushgateway", &[])
    };
    let gw = Pushgateway::start_with_flags(flags).map_err(|e| e.to_string())?;
    let addr: SocketAddr = ([127, 0, 0, 1], gw.port()).into();
    let (t, elapsed) = run_fleet(opts, Send::Push(addr), per_push, |_| Ok(()))?;
    let mut r = PathResult::new(name, opts, &t, elapsed);
    let pushed = gw.pushed().map_err(|e| e.to_string())?;
    let fw: Vec<Sample> = pushed
        .into_iter()
        .filter(|s| s.name.starts_with("fw_") && s.label("job") == Some(JOB))
        .collect();
    r.samples_stored = fw.len() as u64;
    let reports: Vec<Sample> = fw
        .iter()
        .filter(|s| {
            s.name == "fw_frames_total"
                && s.label("port") == Some("uart0")
                && s.label("result") == Some("ok")
        })
        .cloned()
        .collect();
    match check_last(&t.last, &reports) {
        Ok(()) => r.last_values_stored = true,
        Err(e) => r.failures.push(e),
    }
    let stopped: Vec<&str> = t
        .last
        .iter()
        .filter(|l| l.2)
        .map(|l| l.0.as_str())
        .collect();
    r.stopped_shown_by_plain_query = reports
        .iter()
        .filter(|s| s.label("device").is_some_and(|d| stopped.contains(&d)))
        .count();
    // Only the stopped devices that pushed at least once can be held.
    r.stopped_devices = t.last.iter().filter(|l| l.2 && l.1 > 0).count();
    r.stale = format!(
        "devices silent for {} s: {} of {} still held with their last value (a group stays until \
         it is deleted; the gateway has no expiry)",
        opts.seconds / 2,
        r.stopped_shown_by_plain_query,
        r.stopped_devices
    );
    if r.stopped_shown_by_plain_query != r.stopped_devices {
        r.failures
            .push("the gateway dropped a stopped device's group".to_owned());
    }
    let want = t.last.iter().filter(|l| l.1 > 0).count() as u64 * per_push;
    if r.samples_stored != want {
        r.failures.push(format!(
            "the gateway holds {} fw_ samples, not {want} (one per series per device)",
            r.samples_stored
        ));
    }
    r.notes.push(format!(
        "stores only the last push of each group: {} series for {} samples sent",
        r.samples_stored, r.samples_sent
    ));
    r.receiver_rss_bytes = gw
        .pid()
        .and_then(|p| edgeprom_tests::servers::rss_bytes(p).ok())
        .unwrap_or(0);
    Ok(r)
}

/// Counts the raw samples an engine stored of the series named `names`: one query per name
/// (Prometheus refuses `count_over_time` over several names at once, as the results would
/// share a label set once the names are dropped).
fn stored_count(query: &Query<'_>, names: &[String]) -> Option<u64> {
    let mut total = 0;
    for name in names {
        let s = query(&format!("sum(count_over_time({name}[1h]))"), &[]).ok()?;
        total += sum_of(&s);
    }
    Some(total)
}

/// Reads back an engine's count and last values, waiting up to `timeout` for the count.
fn read_back(
    query: &Query<'_>,
    r: &mut PathResult,
    t: &Tally,
    engine: Engine,
    opts: &Options,
    names: &[String],
    timeout: Duration,
) {
    r.samples_stored = wait_count(r.samples_sent, timeout, || stored_count(query, names));
    if r.samples_stored != r.samples_sent {
        r.failures.push(format!(
            "stored {} samples of {} sent",
            r.samples_stored, r.samples_sent
        ));
    }
    match query(&format!("last_over_time({REPORTS}[1h])"), &[]) {
        Ok(s) => match check_last(&t.last, &s) {
            Ok(()) => r.last_values_stored = true,
            Err(e) => r.failures.push(e),
        },
        Err(e) => r.failures.push(format!("last values: {e}")),
    }
    staleness(query, engine, opts, r, t);
}

fn path_victoria(opts: &Options, per_request: u64, names: &[String]) -> Result<PathResult, String> {
    let vm = VictoriaMetrics::start_with(&VM_FLAGS).map_err(|e| e.to_string())?;
    let addr: SocketAddr = ([127, 0, 0, 1], vm.port()).into();
    let (t, elapsed) = run_fleet(opts, Send::RemoteWrite(addr), per_request, |_| Ok(()))?;
    let mut r = PathResult::new("victoriametrics", opts, &t, elapsed);
    let q = |e: &str, p: &[(&str, &str)]| vm.query(e, p);
    read_back(
        &q,
        &mut r,
        &t,
        Engine::Victoria,
        opts,
        names,
        Duration::from_secs(30),
    );
    r.receiver_rss_bytes = vm.rss_bytes().unwrap_or(0);
    Ok(r)
}

fn path_vmagent(
    opts: &Options,
    per_request: u64,
    names: &[String],
) -> Result<Vec<PathResult>, String> {
    let mut vm = VictoriaMetrics::start_with(&VM_FLAGS).map_err(|e| e.to_string())?;
    // Remote write carries no staleness marker here (neither the devices nor vmagent send
    // one), so a series goes stale when its last sample leaves the lookback window: three
    // report intervals instead of the default 5 minutes, so that the run can show it.
    let lookback = format!("--query.lookback-delta={}", lookback(opts));
    let prom = Prometheus::start_receiver_with(&[&lookback]).map_err(|e| e.to_string())?;
    let agent = Vmagent::start(&[
        format!("{}/api/v1/write", vm.url()),
        format!("{}/api/v1/write", prom.url()),
    ])
    .map_err(|e| e.to_string())?;
    let addr: SocketAddr = ([127, 0, 0, 1], agent.port()).into();
    let outage = Duration::from_secs(opts.outage_seconds);
    // The outage sits in the middle of the run, with reporting before and after it.
    let begins = Duration::from_secs(opts.seconds).saturating_sub(outage) / 2;
    let fault_log = Arc::new(AtomicBool::new(false));
    let vm_ref = &mut vm;
    let (t, elapsed) = run_fleet(opts, Send::RemoteWrite(addr), per_request, |start| {
        thread::sleep((start + begins).saturating_duration_since(Instant::now()));
        vm_ref.stop_gracefully().map_err(|e| e.to_string())?;
        let down = Instant::now();
        eprintln!(
            "fleet: VictoriaMetrics behind vmagent stopped for {} s",
            outage.as_secs()
        );
        thread::sleep(outage);
        vm_ref.restart().map_err(|e| e.to_string())?;
        eprintln!(
            "fleet: VictoriaMetrics restarted after {:.1} s",
            down.elapsed().as_secs_f64()
        );
        fault_log.store(true, Ordering::Relaxed);
        Ok(())
    })?;
    let agent_rss = agent.rss_bytes().ok();
    let mut rows = Vec::new();
    // vmagent retries with a backoff of up to a minute: wait that long for it to catch up.
    let catch_up = Duration::from_secs(90);
    {
        let mut r = PathResult::new("vmagent->victoriametrics", opts, &t, elapsed);
        let q = |e: &str, p: &[(&str, &str)]| vm.query(e, p);
        read_back(&q, &mut r, &t, Engine::Victoria, opts, names, catch_up);
        r.receiver_rss_bytes = vm.rss_bytes().unwrap_or(0);
        r.agent_rss_bytes = agent_rss;
        r.notes.push(format!(
            "VictoriaMetrics stopped (SIGTERM) {:.0} s into the run for {} s while vmagent \
             queued on disk, then restarted{}",
            begins.as_secs_f64(),
            opts.outage_seconds,
            if fault_log.load(Ordering::Relaxed) {
                ""
            } else {
                " (the fault did not run)"
            }
        ));
        rows.push(r);
    }
    {
        let mut r = PathResult::new("vmagent->prometheus", opts, &t, elapsed);
        let q =
            |e: &str, p: &[(&str, &str)]| edgeprom_tests::servers::instant_query(&prom.url(), e, p);
        read_back(&q, &mut r, &t, Engine::Prometheus, opts, names, catch_up);
        r.receiver_rss_bytes = prom.rss_bytes().unwrap_or(0);
        r.agent_rss_bytes = agent_rss;
        rows.push(r);
    }
    if let Ok(m) = agent.own_metrics() {
        let get = |name: &str| {
            m.iter()
                .filter(|s| s.name == name)
                .map(|s| s.value)
                .sum::<f64>()
        };
        rows[0].notes.push(format!(
            "vmagent: {} remote write retries, {} bytes still pending on disk",
            get("vmagent_remotewrite_retries_count_total"),
            get("vm_persistentqueue_bytes_pending")
        ));
    }
    Ok(rows)
}

// ---- report --------------------------------------------------------------------------------

fn table(opts: &Options, rows: &[PathResult], load: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "fleet: {} devices every {} ms for {} s, {} client threads, {} B buffer; load before: {load}",
        opts.devices, opts.interval_ms, opts.seconds, opts.workers, opts.buf_bytes
    );
    let _ = writeln!(
        s,
        "{:<26} {:>10} {:>10} {:>9} {:>9} {:>7} {:>6} {:>5} {:>6} {:>8} {:>8} {:>5}",
        "path",
        "sent",
        "stored",
        "samples/s",
        "req/s",
        "of",
        "cpu ns",
        "user",
        "alone",
        "B/sample",
        "rss MiB",
        "last"
    );
    for r in rows {
        let _ = writeln!(
            s,
            "{:<26} {:>10} {:>10} {:>9.0} {:>9.0} {:>7.0} {:>6.0} {:>4.0}% {:>6.0} {:>8.1} {:>8.1} {:>5}",
            r.name,
            r.samples_sent,
            r.samples_stored,
            r.samples_per_s,
            r.requests_per_s,
            r.offered_requests_per_s,
            r.client_cpu_ns_per_sample,
            r.client_user_share * 100.0,
            r.client_only_ns_per_sample,
            r.wire_bytes_per_sample,
            r.receiver_rss_bytes as f64 / 1048576.0,
            if r.last_values_stored { "yes" } else { "NO" }
        );
    }
    for r in rows {
        let _ = writeln!(s, "{}: {}", r.name, r.stale);
        for n in &r.notes {
            let _ = writeln!(s, "{}: {n}", r.name);
        }
        if let Some(a) = r.agent_rss_bytes {
            let _ = writeln!(s, "{}: vmagent rss {:.1} MiB", r.name, a as f64 / 1048576.0);
        }
        if r.late_rounds > 0 || r.requests_per_s < 0.95 * r.offered_requests_per_s {
            let _ = writeln!(
                s,
                "{}: saturated: {:.0} requests/s of {:.0} offered, {} rounds late, {} of {} \
                 devices got a report through",
                r.name,
                r.requests_per_s,
                r.offered_requests_per_s,
                r.late_rounds,
                r.devices_reported,
                r.devices
            );
        }
    }
    let worst = |f: fn(&PathResult) -> f64| rows.iter().map(f).fold(0.0, f64::max);
    let alone = worst(|r| r.client_only_ns_per_sample);
    let total = worst(|r| r.client_cpu_ns_per_sample);
    let verdict = |ns: f64| {
        if ns <= GOAL_NS_PER_SAMPLE {
            "met"
        } else {
            "missed"
        }
    };
    let _ = writeln!(
        s,
        "clients' CPU per sample, goal {GOAL_NS_PER_SAMPLE:.0} ns: the clients alone (encoding, \
         HTTP, into memory) at most {alone:.0} ns ({}); with the loopback socket calls at most \
         {total:.0} ns ({}){}",
        verdict(alone),
        verdict(total),
        if cfg!(debug_assertions) {
            " (debug build: not a measurement)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        s,
        "columns: cpu ns = client thread CPU per sample (user + system); user = its user share; \
         alone = the same clients into memory; B/sample = HTTP bytes both ways; rss = the \
         receiving engine's resident memory; last = every device's last value read back"
    );
    s
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".to_owned())
}

fn main() -> ExitCode {
    let opts = match Options::parse() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let load = loadavg();
    let shape = match shape() {
        Ok(v) => v,
        Err(e) => {
            eprintln!("fleet: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!(
        "fleet: {} samples per push, {} per remote write request; outage {} s",
        shape.per_push, shape.per_remote_write, opts.outage_seconds
    );
    let (alone_push, alone_rw) = match client_only_cost(&shape, &opts) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("fleet: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    eprintln!("fleet: path 1, Pushgateway");
    match path_pushgateway(&opts, shape.per_push, false) {
        Ok(r) => rows.push(r),
        Err(e) => errors.push(format!("pushgateway: {e}")),
    }
    if opts.unchecked_gateway {
        eprintln!("fleet: path 1 again, Pushgateway --push.disable-consistency-check");
        match path_pushgateway(&opts, shape.per_push, true) {
            Ok(r) => rows.push(r),
            Err(e) => errors.push(format!("pushgateway-unchecked: {e}")),
        }
    }
    eprintln!("fleet: path 2, VictoriaMetrics");
    match path_victoria(&opts, shape.per_remote_write, &shape.names) {
        Ok(r) => rows.push(r),
        Err(e) => errors.push(format!("victoriametrics: {e}")),
    }
    eprintln!("fleet: path 3, vmagent -> VictoriaMetrics + Prometheus");
    match path_vmagent(&opts, shape.per_remote_write, &shape.names) {
        Ok(r) => rows.extend(r),
        Err(e) => errors.push(format!("vmagent: {e}")),
    }
    for r in &mut rows {
        r.client_only_ns_per_sample = if r.name.starts_with("pushgateway") {
            alone_push
        } else {
            alone_rw
        };
    }
    print!("{}", table(&opts, &rows, &load));
    for r in &rows {
        for f in &r.failures {
            errors.push(format!("{}: {f}", r.name));
        }
    }
    if let Some(path) = &opts.json {
        let doc = serde_json::json!({
            "devices": opts.devices,
            "seconds": opts.seconds,
            "interval_ms": opts.interval_ms,
            "outage_seconds": opts.outage_seconds,
            "workers": opts.workers,
            "buf_bytes": opts.buf_bytes,
            "samples_per_push": shape.per_push,
            "samples_per_remote_write": shape.per_remote_write,
            "load_before": load,
            "release": !cfg!(debug_assertions),
            "paths": rows.iter().map(PathResult::json).collect::<Vec<_>>(),
            "failures": errors,
        });
        let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        if let Err(e) = std::fs::write(path, text + "\n") {
            errors.push(format!("writing {path}: {e}"));
        }
    }
    if errors.is_empty() {
        println!("fleet: every check held");
        ExitCode::SUCCESS
    } else {
        for e in &errors {
            eprintln!("fleet: FAILED: {e}");
        }
        ExitCode::FAILURE
    }
}
