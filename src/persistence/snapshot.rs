//! The fork-free snapshot: BGSAVE, SAVE, save points, loading at start-up.
//!
//! Starting a snapshot bumps the epoch, installs a [`SnapTap`] on every database (all sharing
//! one channel) and hands the job to the writer thread (spawned ahead of time by
//! [`prepare_writer`], waiting between saves, in `SCHED_BATCH`). The loop then walks every
//! database in bounded slices ([`step`], paced by the number of entries sent and not yet
//! written, so memory stays bounded) while every write first captures the old state of what
//! it changes (the pre-write hook in `Db`); captures travel in batches, one per walk slice
//! and one per loop iteration for the hook. When every database has been walked the taps
//! are removed and `Done` is sent. The writer streams the entries to `temp-<pid>.rdb`, ends
//! it with EOF + CRC-64, fsyncs, renames it to `dbfilename` and fsyncs the directory.
//! [`cron`] notices the writer's outcome, updates the `INFO persistence` state and triggers
//! BGSAVE on save points. See docs/persistence.md.
//!
//! Called by: `cmd::persist` (SAVE, BGSAVE), `cmd::server` (SHUTDOWN), `cmd::diag`
//! (DEBUG RELOAD), the loop (`step`, `cron`), `Server::new` ([`prepare_writer`]),
//! `lib::run_main` ([`load_at_startup`]).

use crate::core::{now_ms, Core};
use crate::db::keyspace::{Captured, Db, SnapItem, SnapTap};
use crate::persistence::rdb::decode::{self, LoadOptions, LoadStats};
use crate::persistence::rdb::encode::{self, AuxInfo, LruPolicy};
use crate::persistence::rdb::io::{RdbError, RdbReader, RdbWriter};
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Entries captured per loop iteration by the walk.
const STEP_BUDGET: usize = 1024;
/// The walk pauses while this many captured items wait for the writer.
const MAX_PENDING: usize = 16 * 1024;
/// Seconds before a failed BGSAVE is retried by a save point (CONFIG_BGSAVE_RETRY_DELAY).
const BGSAVE_RETRY_DELAY: i64 = 5;

/// Whether a snapshot was started by BGSAVE (loop keeps serving) or SAVE (loop blocked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Background,
    Foreground,
}

/// A running snapshot, as the loop sees it.
pub struct Snapshot {
    pub kind: Kind,
    tx: Sender<SnapItem>,
    pending: Arc<AtomicUsize>,
    pending_bytes: Arc<AtomicUsize>,
    keys_written: Arc<AtomicU64>,
    pub keys_total: u64,
    /// The writer's outcome, once it has sent it ([`writer_finished`] polls it).
    done: Receiver<Result<(), String>>,
    result: Option<Result<(), String>>,
    /// Unix seconds at the start.
    pub start_s: i64,
    dirty_at_start: u64,
    /// Every database has been walked and `Done` sent.
    walked: bool,
    /// Time the loop spent in walk slices so far, their number and the longest one.
    walk_time: Duration,
    walk_slices: u64,
    longest_slice: Duration,
}

impl Snapshot {
    /// Keys the writer has written so far.
    pub fn keys_processed(&self) -> u64 {
        self.keys_written.load(Ordering::Relaxed)
    }
}

/// Persistence state kept by the loop (`INFO persistence`, MISCONF, save points).
#[derive(Default)]
pub struct RdbState {
    /// The epoch of the last snapshot started.
    epoch: u32,
    pub current: Option<Snapshot>,
    /// `rdb_last_bgsave_status:err`: the last BGSAVE failed (MISCONF if configured); cleared
    /// by the next successful save.
    pub last_bgsave_err: bool,
    /// Unix seconds of the last BGSAVE attempt.
    pub last_bgsave_try: i64,
    /// Duration of the last BGSAVE in seconds; -1 before the first one.
    pub last_bgsave_time_sec: Option<i64>,
    /// `rdb_saves`: SAVE and BGSAVE started.
    pub saves: u64,
    /// `BGSAVE SCHEDULE` (or BGSAVE inside EXEC) waiting for its turn.
    pub bgsave_scheduled: bool,
    pub load_keys_loaded: u64,
    pub load_keys_expired: u64,
    /// Microseconds the loop was paused to start the last snapshot (`latest_fork_usec`).
    pub last_start_pause_us: u64,
    /// The writer thread, idle between snapshots (see [`prepare_writer`]).
    writer: Option<Sender<WriterJob>>,
}

/// A snapshot handed to the writer thread: what to write, where the entries come from, and
/// where to report the outcome.
struct WriterJob {
    job: Job,
    rx: Receiver<SnapItem>,
    done: Sender<Result<(), String>>,
}

/// Spawns the writer thread ahead of the first snapshot, so that starting one costs the loop
/// a channel send instead of a thread spawn (which measured 110-150 µs, up to 1.6 ms, on a
/// loaded machine). The thread waits for jobs for the life of the process; one that died
/// (a panic) is replaced at the next start. Called when the server is set up.
pub fn prepare_writer(core: &mut Core) -> io::Result<()> {
    if core.rdb.writer.is_none() {
        core.rdb.writer = Some(spawn_writer()?);
    }
    Ok(())
}

fn spawn_writer() -> io::Result<Sender<WriterJob>> {
    let (tx, rx) = mpsc::channel::<WriterJob>();
    std::thread::Builder::new()
        .name("oxidis-rdb".into())
        .spawn(move || {
            yield_to_the_loop();
            for wj in rx {
                let r = write_snapshot(wj.job, wj.rx);
                let _ = wj.done.send(r);
            }
        })?;
    Ok(tx)
}

/// Hands a job to the writer thread, spawning one if there is none or it died.
fn hand_to_writer(core: &mut Core, wj: WriterJob) -> io::Result<()> {
    let wj = match core.rdb.writer.as_ref() {
        Some(w) => match w.send(wj) {
            Ok(()) => return Ok(()),
            Err(mpsc::SendError(wj)) => wj,
        },
        None => wj,
    };
    let w = spawn_writer()?;
    // The thread was just spawned and waits on this channel: the send cannot fail.
    let _ = w.send(wj);
    core.rdb.writer = Some(w);
    Ok(())
}

impl RdbState {
    /// Whether a BGSAVE is running (a SAVE only exists while the loop is blocked in it, so
    /// no command ever sees one).
    pub fn in_progress(&self) -> bool {
        self.current.is_some()
    }

    /// The MISCONF condition (`writeCommandsDeniedByDiskError`).
    pub fn writes_denied(&self, cfg: &crate::config::Config) -> bool {
        cfg.stop_writes_on_bgsave_error && !cfg.save.is_empty() && self.last_bgsave_err
    }
}

/// What the writer thread needs to know, fixed at the snapshot's start.
struct Job {
    tmp: PathBuf,
    target: PathBuf,
    dir: PathBuf,
    epoch: u32,
    aux: AuxInfo,
    compress: bool,
    checksum: bool,
    /// `rdb-key-save-delay`: microseconds slept after each key (testing aid, as Redis).
    key_delay_us: i64,
    /// The IDLE/FREQ records to write, from `maxmemory-policy` and the clock at the start.
    lru_policy: LruPolicy,
    /// (keys, keys with a TTL) per database at the start, for RESIZEDB.
    db_sizes: Vec<(u64, u64)>,
    pending: Arc<AtomicUsize>,
    pending_bytes: Arc<AtomicUsize>,
    keys_written: Arc<AtomicU64>,
}

/// A file name from configuration bytes.
fn os_path(name: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(name))
}

fn unix_secs() -> i64 {
    now_ms() / 1000
}

/// `strerror`-style text of an I/O error (without Rust's "(os error N)" suffix).
pub fn strerror(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Starts a snapshot of every database. Fails if one is running or the writer thread cannot
/// be spawned (the reason is logged).
pub fn start(core: &mut Core, kind: Kind) -> Result<(), String> {
    if core.rdb.current.is_some() {
        return Err("Background save already in progress".into());
    }
    let t0 = Instant::now();
    let dir = std::env::current_dir()
        .map_err(|e| format!("Can't get the working directory: {}", strerror(&e)))?;
    let tmp = dir.join(format!("temp-{}.rdb", std::process::id()));
    let target = dir.join(os_path(&core.config.dbfilename));
    core.rdb.epoch = core.rdb.epoch.wrapping_add(1).max(1);
    let epoch = core.rdb.epoch;
    let (tx, rx) = mpsc::channel();
    let pending = Arc::new(AtomicUsize::new(0));
    let pending_bytes = Arc::new(AtomicUsize::new(0));
    let keys_written = Arc::new(AtomicU64::new(0));
    let db_sizes: Vec<(u64, u64)> = core
        .dbs
        .iter()
        .map(|d| (d.dict.len() as u64, d.expires.len() as u64))
        .collect();
    let keys_total = db_sizes.iter().map(|x| x.0).sum();
    let job = Job {
        tmp,
        target,
        dir,
        epoch,
        aux: AuxInfo {
            ctime: unix_secs(),
            used_mem: crate::alloc::used() as u64,
            ..Default::default()
        },
        compress: core.config.rdbcompression,
        checksum: core.config.rdbchecksum,
        key_delay_us: core.config.rdb_key_save_delay,
        lru_policy: LruPolicy::from_config(&core.config, now_ms()),
        db_sizes,
        pending: pending.clone(),
        pending_bytes: pending_bytes.clone(),
        keys_written: keys_written.clone(),
    };
    let (done_tx, done) = mpsc::channel();
    let wj = WriterJob {
        job,
        rx,
        done: done_tx,
    };
    hand_to_writer(core, wj).map_err(|e| {
        let msg = format!("Can't save in background: thread: {}", strerror(&e));
        log::warn!("{msg}");
        msg
    })?;
    for (i, db) in core.dbs.iter_mut().enumerate() {
        db.snap = Some(SnapTap::new(
            epoch,
            i,
            tx.clone(),
            pending.clone(),
            pending_bytes.clone(),
        ));
    }
    let now = unix_secs();
    core.rdb.saves += 1;
    if kind == Kind::Background {
        // Rounded up: a start is never reported as free. Only BGSAVE sets it, as only
        // Redis's BGSAVE forks.
        let pause_us = t0.elapsed().as_nanos().div_ceil(1000) as u64;
        core.rdb.last_start_pause_us = pause_us;
        core.rdb.last_bgsave_try = now;
        log::info!("Background saving started by pid {}", std::process::id());
        log::info!("Snapshot start paused the event loop for {pause_us} microseconds");
    }
    core.rdb.current = Some(Snapshot {
        kind,
        tx,
        pending,
        pending_bytes,
        keys_written,
        keys_total,
        done,
        result: None,
        start_s: now,
        dirty_at_start: core.dirty,
        walked: false,
        walk_time: Duration::ZERO,
        walk_slices: 0,
        longest_slice: Duration::ZERO,
    });
    Ok(())
}

/// Captured entries the writer has not written yet: their values stay allocated until then,
/// even when the keyspace has already dropped them.
pub fn items_in_flight(core: &Core) -> usize {
    core.rdb
        .current
        .as_ref()
        .map_or(0, |s| s.pending.load(Ordering::Relaxed))
}

/// Bytes those entries copied (keys, string values; see `SnapItem::copied_bytes`).
pub fn bytes_in_flight(core: &Core) -> usize {
    core.rdb
        .current
        .as_ref()
        .map_or(0, |s| s.pending_bytes.load(Ordering::Relaxed))
}

/// True while the walk has work to do (the loop should not sleep long).
pub fn walking(core: &Core) -> bool {
    core.rdb.current.as_ref().is_some_and(|s| !s.walked)
}

/// True when the walk may capture more now (the writer is keeping up).
pub fn can_step(core: &Core) -> bool {
    core.rdb
        .current
        .as_ref()
        .is_some_and(|s| !s.walked && s.pending.load(Ordering::Relaxed) < MAX_PENDING)
}

/// One slice of the walk, called by the loop on every iteration. First sends what this
/// iteration's writes captured (one batch per database). When every database has been
/// walked, removes the taps and tells the writer it has everything.
pub fn step(core: &mut Core) {
    if core.rdb.current.is_none() {
        return;
    }
    for db in core.dbs.iter_mut() {
        if let Some(tap) = db.snap.as_mut() {
            tap.flush();
        }
    }
    if !can_step(core) {
        return;
    }
    let t0 = Instant::now();
    // Databases are walked in order; one that finishes within the slice lets the next start
    // (at most one budget per database per call).
    let mut all_walked = true;
    for db in core.dbs.iter_mut() {
        if !db.snapshot_step(STEP_BUDGET) {
            all_walked = false;
            break;
        }
    }
    if all_walked {
        remove_taps(&mut core.dbs);
    }
    let Some(s) = core.rdb.current.as_mut() else {
        return;
    };
    let took = t0.elapsed();
    s.walk_time += took;
    s.walk_slices += 1;
    s.longest_slice = s.longest_slice.max(took);
    if all_walked {
        s.walked = true;
        // The writer may have failed already (receiver gone): cron will see its result.
        let _ = s.tx.send(SnapItem::Done);
        log::info!(
            "Snapshot walk done: {} slices, {} ms on the event loop, longest slice {} us",
            s.walk_slices,
            s.walk_time.as_millis(),
            s.longest_slice.as_micros()
        );
    }
}

/// Removes the taps, sending what they still hold (a writer that failed has dropped its
/// receiver: the entries are dropped then).
fn remove_taps(dbs: &mut [Db]) {
    for db in dbs.iter_mut() {
        if let Some(mut tap) = db.snap.take() {
            tap.flush();
        }
    }
}

/// Called from cron: finishes a BGSAVE whose writer ended, starts scheduled BGSAVEs and the
/// ones due by save points.
pub fn cron(core: &mut Core) {
    if core
        .rdb
        .current
        .as_mut()
        .is_some_and(|s| s.kind == Kind::Background && writer_finished(s))
    {
        finish(core);
    }
    if core.rdb.current.is_some() {
        return;
    }
    let now = unix_secs();
    let retry_ok = now - core.rdb.last_bgsave_try > BGSAVE_RETRY_DELAY || !core.rdb.last_bgsave_err;
    if core.rdb.bgsave_scheduled && retry_ok {
        if start(core, Kind::Background).is_ok() {
            core.rdb.bgsave_scheduled = false;
        }
        return;
    }
    let due = core.config.save.iter().copied().find(|&(secs, changes)| {
        core.dirty >= changes.max(0) as u64 && now - core.lastsave > secs && retry_ok
    });
    if let Some((secs, changes)) = due {
        log::info!("{changes} changes in {secs} seconds. Saving...");
        let _ = start(core, Kind::Background);
    }
}

/// Whether the writer has reported its outcome (kept in `result`).
fn writer_finished(s: &mut Snapshot) -> bool {
    if s.result.is_none() {
        s.result = match s.done.try_recv() {
            Ok(r) => Some(r),
            Err(mpsc::TryRecvError::Empty) => None,
            Err(mpsc::TryRecvError::Disconnected) => {
                Some(Err("the RDB writer thread panicked".to_string()))
            }
        };
    }
    s.result.is_some()
}

/// Waits for the writer's outcome (it ends once its channel is closed or `Done` is written).
fn writer_result(s: Snapshot) -> Result<(), String> {
    drop(s.tx);
    if let Some(r) = s.result {
        return r;
    }
    s.done
        .recv()
        .unwrap_or_else(|_| Err("the RDB writer thread panicked".to_string()))
}

/// Waits for the writer's outcome and records it. Returns whether the save succeeded.
fn finish(core: &mut Core) -> bool {
    let Some(s) = core.rdb.current.take() else {
        return false;
    };
    if !s.walked {
        // The writer stopped early (an error): stop capturing.
        remove_taps(&mut core.dbs);
    }
    let kind = s.kind;
    let start_s = s.start_s;
    let dirty_at_start = s.dirty_at_start;
    let result = writer_result(s);
    let ok = result.is_ok();
    let now = unix_secs();
    match kind {
        Kind::Background => {
            core.rdb.last_bgsave_time_sec = Some(now - start_s);
            if ok {
                log::info!("Background saving terminated with success");
            } else {
                log::warn!("Background saving error");
            }
            core.rdb.last_bgsave_err = !ok;
        }
        Kind::Foreground => {
            if ok {
                core.rdb.last_bgsave_err = false;
            }
        }
    }
    if ok {
        core.dirty = core.dirty.saturating_sub(dirty_at_start);
        core.lastsave = now;
    }
    ok
}

/// Drives the running snapshot to its end on this thread (the loop is blocked meanwhile).
/// Returns whether it succeeded; true when none was running.
pub fn complete_running(core: &mut Core) -> bool {
    if core.rdb.current.is_none() {
        return true;
    }
    // Bounded: the walk finishes after one pass over every database, the writer after
    // draining what was sent (or at its first error).
    loop {
        let Some(s) = core.rdb.current.as_mut() else {
            return true;
        };
        if s.walked || writer_finished(s) {
            break;
        }
        if can_step(core) {
            step(core);
        } else {
            std::thread::sleep(Duration::from_micros(100));
        }
    }
    finish(core)
}

/// `SAVE`: a snapshot written while the loop waits (`rdbSave`). The caller checks that no
/// BGSAVE is running.
pub fn save_sync(core: &mut Core) -> bool {
    if start(core, Kind::Foreground).is_err() {
        return false;
    }
    complete_running(core)
}

/// Abandons a running snapshot (SHUTDOWN, FLUSHALL): the writer removes its temp file. The
/// last BGSAVE status is left as it was (Redis kills its child with the whitelisted SIGUSR1).
pub fn abort(core: &mut Core) {
    let Some(s) = core.rdb.current.take() else {
        return;
    };
    if s.kind == Kind::Background {
        core.rdb.last_bgsave_time_sec = Some(unix_secs() - s.start_s);
    }
    remove_taps(&mut core.dbs);
    let _ = writer_result(s);
}

/// SHUTDOWN's persistence part (`prepareForShutdown`): kills a running BGSAVE, then saves
/// when asked to (or when save points are configured and NOSAVE was not given). `Err` when
/// the save failed and `force` was not given: the server must not exit.
#[allow(clippy::result_unit_err)]
pub fn shutdown_save(core: &mut Core, save: Option<bool>, force: bool) -> Result<(), ()> {
    if core.rdb.current.is_some() {
        log::warn!("There is a child saving an .rdb. Killing it!");
        abort(core);
    }
    let wanted = match save {
        Some(s) => s,
        None => !core.config.save.is_empty(),
    };
    if !wanted {
        return Ok(());
    }
    log::info!("Saving the final RDB snapshot before exiting.");
    if save_sync(core) {
        return Ok(());
    }
    if force {
        log::warn!("Error trying to save the DB. Exit anyway.");
        Ok(())
    } else {
        log::warn!("Error trying to save the DB, can't exit.");
        Err(())
    }
}

/// FLUSHALL's persistence part (`flushAllDataAndResetRDB`), after the databases were
/// emptied (and a running BGSAVE abandoned, see [`abort`]): with save points configured the
/// empty dataset is saved at once.
pub fn after_flushall(core: &mut Core) {
    if !core.config.save.is_empty() {
        save_sync(core);
    }
}

// ---------------------------------------------------------------------------------------------
// The writer thread
// ---------------------------------------------------------------------------------------------

/// The writer thread's body: writes the file, then renames it into place. Every failure is
/// logged with Redis's wording and leaves no temp file behind.
fn write_snapshot(job: Job, rx: Receiver<SnapItem>) -> Result<(), String> {
    let file = match File::create(&job.tmp) {
        Ok(f) => f,
        Err(e) => {
            let msg = format!(
                "Failed opening the temp RDB file {} (in server root dir {}) for saving: {}",
                job.tmp.file_name().unwrap_or_default().to_string_lossy(),
                job.dir.display(),
                strerror(&e)
            );
            log::warn!("{msg}");
            return Err(msg);
        }
    };
    let result = write_body(&job, file, &rx).and_then(|f| f.sync_all());
    drop(rx);
    if let Err(e) = result {
        let _ = std::fs::remove_file(&job.tmp);
        let msg = if e.kind() == io::ErrorKind::Interrupted {
            "Snapshot aborted".to_string()
        } else {
            format!("Write error saving DB on disk: {}", strerror(&e))
        };
        log::warn!("{msg}");
        return Err(msg);
    }
    if let Err(e) = std::fs::rename(&job.tmp, &job.target) {
        let msg = format!(
            "Error moving temp DB file {} on the final destination {} (in server root dir {}): {}",
            job.tmp.file_name().unwrap_or_default().to_string_lossy(),
            job.target.file_name().unwrap_or_default().to_string_lossy(),
            job.dir.display(),
            strerror(&e)
        );
        log::warn!("{msg}");
        let _ = std::fs::remove_file(&job.tmp);
        return Err(msg);
    }
    if let Err(e) = File::open(&job.dir).and_then(|d| d.sync_all()) {
        let msg = format!(
            "Failed to fsync directory while saving DB: {}",
            strerror(&e)
        );
        log::warn!("{msg}");
        return Err(msg);
    }
    log::info!("DB saved on disk");
    Ok(())
}

/// Puts the calling (writer) thread in `SCHED_BATCH`: the scheduler treats it as a batch job
/// that never preempts a thread it wakes, so on a machine with fewer CPUs than busy threads
/// the event loop and the clients keep their CPU while the writer takes the idle time.
/// Measured (docs/persistence.md): throughput during a save up, save duration unchanged or
/// shorter; a nice value of 10 instead kept the throughput but starved the writer. Failure
/// (not expected: lowering one's own priority needs no privilege) is logged and ignored.
fn yield_to_the_loop() {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: a plain system call on the calling thread (pid 0) with a valid parameter.
    let r = unsafe { libc::sched_setscheduler(0, libc::SCHED_BATCH, &param) };
    if r != 0 {
        log::debug!(
            "Can't set SCHED_BATCH on the RDB writer: {}",
            strerror(&io::Error::last_os_error())
        );
    }
}

/// Receives captured entries until `Done` and writes them; returns the file, flushed.
fn write_body(job: &Job, file: File, rx: &Receiver<SnapItem>) -> io::Result<File> {
    let mut w = RdbWriter::new(file, job.checksum, job.compress);
    encode::write_preamble(&mut w, &job.aux)?;
    let mut out = DbCursor {
        current: None,
        resized: vec![false; job.db_sizes.len()],
    };
    loop {
        let item = rx
            .recv()
            .map_err(|_| io::Error::new(io::ErrorKind::Interrupted, "snapshot abandoned"))?;
        let copied = item.copied_bytes();
        match item {
            SnapItem::Entries(batch) => {
                let n = batch.len();
                for Captured {
                    db,
                    key,
                    val,
                    expire,
                    lru,
                } in batch
                {
                    out.select(&mut w, db, job)?;
                    encode::write_entry(&mut w, &key, &val, expire, job.lru_policy.record(lru))?;
                    drop((key, val));
                    job.keys_written.fetch_add(1, Ordering::Relaxed);
                    key_delay(job);
                }
                job.pending.fetch_sub(n, Ordering::Relaxed);
                job.pending_bytes.fetch_sub(copied, Ordering::Relaxed);
            }
            SnapItem::Tables { db, dict, expires } => {
                for (key, e) in dict.iter() {
                    if e.epoch >= job.epoch {
                        continue;
                    }
                    out.select(&mut w, db, job)?;
                    let exp = expires.get(&key[..]).copied();
                    encode::write_entry(&mut w, key, &e.val, exp, job.lru_policy.record(e.lru))?;
                    job.keys_written.fetch_add(1, Ordering::Relaxed);
                    key_delay(job);
                }
                job.pending.fetch_sub(1, Ordering::Relaxed);
                // The old tables are freed here, off the loop thread.
                drop((dict, expires));
            }
            SnapItem::Done => break,
        }
    }
    w.finish()?;
    w.into_inner()
}

fn key_delay(job: &Job) {
    if job.key_delay_us > 0 {
        std::thread::sleep(Duration::from_micros(job.key_delay_us as u64));
    }
}

/// Emits SELECTDB when the database of the next entry differs from the last one (entries of
/// different databases may interleave: captures follow the writes), and RESIZEDB the first
/// time a database appears.
struct DbCursor {
    current: Option<usize>,
    resized: Vec<bool>,
}

impl DbCursor {
    fn select(&mut self, w: &mut RdbWriter<File>, db: usize, job: &Job) -> io::Result<()> {
        if self.current == Some(db) {
            return Ok(());
        }
        self.current = Some(db);
        w.write_selectdb(db as u64)?;
        if let Some(done) = self.resized.get_mut(db) {
            if !*done {
                *done = true;
                let (keys, expires) = job.db_sizes[db];
                w.write_resizedb(keys, expires)?;
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

/// Loads `path` into `dbs`. `Ok(None)` when the file does not exist.
pub fn load_file(
    path: &Path,
    dbs: &mut [Db],
    opts: &LoadOptions,
) -> Result<Option<LoadStats>, RdbError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(RdbError::new(0, format!("can't open: {}", strerror(&e)))),
    };
    let len = file.metadata().map(|m| m.len()).ok();
    let mut r = RdbReader::new(file);
    if let Some(len) = len {
        r.set_input_len(len);
    }
    decode::load(&mut r, dbs, opts).map(Some)
}

/// Loads `dir/dbfilename` at start-up (`loadDataFromDisk`). `Err` with the message to log
/// when the file exists but cannot be loaded: the server must not start then.
pub fn load_at_startup(core: &mut Core) -> Result<(), String> {
    reload(core, false).map(|_| ())
}

/// Loads the configured RDB file into the databases (which the caller emptied unless
/// `merge`). Logs as Redis does; `Err` carries the file, offset and reason.
pub fn reload(core: &mut Core, merge: bool) -> Result<bool, String> {
    let path = os_path(&core.config.dbfilename);
    let start = Instant::now();
    let now = now_ms();
    let opts = LoadOptions {
        now,
        lru: Core::lru_clock(now),
        lfu: matches!(
            LruPolicy::from_config(&core.config, now),
            LruPolicy::Lfu { .. }
        ),
        merge,
        limits: decode::TypeLimits::from_config(&core.config),
    };
    match load_file(&path, &mut core.dbs, &opts) {
        Ok(None) => Ok(false),
        Ok(Some(st)) => {
            if st.empty_keys_skipped > 0 {
                log::info!(
                    "Done loading RDB, keys loaded: {}, keys expired: {}, empty keys skipped: {}.",
                    st.keys_loaded,
                    st.keys_expired,
                    st.empty_keys_skipped
                );
            } else {
                log::info!(
                    "Done loading RDB, keys loaded: {}, keys expired: {}.",
                    st.keys_loaded,
                    st.keys_expired
                );
            }
            log::info!(
                "DB loaded from disk: {:.3} seconds",
                start.elapsed().as_secs_f64()
            );
            core.rdb.load_keys_loaded = st.keys_loaded;
            core.rdb.load_keys_expired = st.keys_expired;
            Ok(true)
        }
        Err(e) => {
            let abs = std::env::current_dir()
                .map(|d| d.join(&path))
                .unwrap_or(path);
            Err(decode::describe(&abs, &e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::dict::Dict;
    use crate::db::keyspace::{Entry, Key};
    use crate::types::value::{Str, Value};

    fn job(dir: &Path, epoch: u32) -> Job {
        Job {
            tmp: dir.join("temp-test.rdb"),
            target: dir.join("dump.rdb"),
            dir: dir.to_path_buf(),
            epoch,
            aux: AuxInfo::default(),
            compress: true,
            checksum: true,
            key_delay_us: 0,
            lru_policy: LruPolicy::None,
            db_sizes: vec![(2, 1), (1, 0), (0, 0)],
            pending: Arc::new(AtomicUsize::new(0)),
            pending_bytes: Arc::new(AtomicUsize::new(0)),
            keys_written: Arc::new(AtomicU64::new(0)),
        }
    }

    fn s(v: &str) -> Value {
        Value::Str(Str::from_bytes(v.as_bytes()))
    }

    fn entry(db: usize, k: &str, v: &str, expire: Option<i64>) -> SnapItem {
        SnapItem::Entries(vec![Captured {
            db,
            key: k.as_bytes().into(),
            val: s(v),
            expire,
            lru: 0,
        }])
    }

    fn load(path: &Path) -> Vec<Db> {
        let mut dbs: Vec<Db> = (0..3).map(Db::new).collect();
        let opts = LoadOptions {
            now: 0,
            lru: 0,
            lfu: false,
            merge: false,
            limits: decode::TypeLimits::DEFAULT,
        };
        load_file(path, &mut dbs, &opts).unwrap().unwrap();
        dbs
    }

    fn get(d: &Db, k: &str) -> Option<Vec<u8>> {
        d.dict
            .get(k.as_bytes())
            .map(|e| e.val.as_str().unwrap().to_vec())
    }

    #[test]
    fn writer_interleaves_databases_and_filters_flushed_tables_by_epoch() {
        let dir = tempfile::tempdir().unwrap();
        let (tx, rx) = mpsc::channel();
        tx.send(entry(0, "a", "1", Some(99_999_999_999_999)))
            .unwrap();
        tx.send(entry(1, "b", "2", None)).unwrap();
        tx.send(entry(0, "c", &"x".repeat(100), None)).unwrap();
        // A flushed table: "old" predates the snapshot (epoch 4 < 5), "captured" was already
        // sent (epoch 5), so only "old" is written.
        let mut dict: Dict<Key, Entry> = Dict::new();
        for (k, epoch) in [("old", 4), ("captured", 5)] {
            dict.insert(
                k.as_bytes().into(),
                Entry {
                    val: s("t"),
                    lru: 0,
                    epoch,
                },
            );
        }
        tx.send(SnapItem::Tables {
            db: 2,
            dict,
            expires: Dict::new(),
        })
        .unwrap();
        tx.send(SnapItem::Done).unwrap();
        let j = job(dir.path(), 5);
        let written = j.keys_written.clone();
        write_snapshot(j, rx).unwrap();
        assert_eq!(written.load(Ordering::Relaxed), 4);
        assert!(!dir.path().join("temp-test.rdb").exists());
        let dbs = load(&dir.path().join("dump.rdb"));
        assert_eq!(get(&dbs[0], "a").unwrap(), b"1");
        assert_eq!(dbs[0].expire_of(b"a"), Some(99_999_999_999_999));
        assert_eq!(get(&dbs[0], "c").unwrap(), "x".repeat(100).as_bytes());
        assert_eq!(get(&dbs[1], "b").unwrap(), b"2");
        assert_eq!(get(&dbs[2], "old").unwrap(), b"t");
        assert!(get(&dbs[2], "captured").is_none());
    }

    #[test]
    fn writer_failures_leave_no_temp_file() {
        // Abandoned (channel closed before Done).
        let dir = tempfile::tempdir().unwrap();
        let (tx, rx) = mpsc::channel();
        tx.send(entry(0, "a", "1", None)).unwrap();
        drop(tx);
        assert_eq!(
            write_snapshot(job(dir.path(), 1), rx).unwrap_err(),
            "Snapshot aborted"
        );
        assert!(!dir.path().join("temp-test.rdb").exists());
        assert!(!dir.path().join("dump.rdb").exists());
        // The final name is taken by a directory: the rename fails.
        std::fs::create_dir(dir.path().join("dump.rdb")).unwrap();
        let (tx, rx) = mpsc::channel();
        tx.send(SnapItem::Done).unwrap();
        let err = write_snapshot(job(dir.path(), 1), rx).unwrap_err();
        assert!(
            err.starts_with(
                "Error moving temp DB file temp-test.rdb on the final destination dump.rdb"
            ),
            "{err}"
        );
        assert!(!dir.path().join("temp-test.rdb").exists());
    }
}
