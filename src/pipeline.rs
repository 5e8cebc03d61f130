//! The pipeline: a reader thread, parallel per-message work, an ordered sink.
//!
//! ```text
//! reader thread      decompress -> tar -> split into events, cut into batches
//!   --bounded channel-->
//! processing thread  every batch a task on a rayon pool as soon as it
//!                    arrives: Processor::process on its messages in parallel
//!   --bounded channel-->
//! calling thread     the Sink, batches put back in input order (repack
//!                    writer, inventory, ...)
//! ```
//! Batches are cut at [`PipelineOptions::batch_bytes`] of payload and at most
//! [`PipelineOptions::queue_depth`] of them wait in the channel, so memory is
//! bounded by a constant plus the largest message. Only this module knows
//! about threads; with one thread everything runs on the caller's thread in
//! the same order, and the sink sees exactly the same calls either way.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, PoisonError, mpsc};

use rayon::prelude::*;

use crate::error::{Error, ErrorKind, Result};
use crate::input::container::Opened;
use crate::input::events::{Event, Member, ReadOptions, read_events};
use crate::mailbox::Message;

/// What happens to a message in the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Written back byte-identical.
    Keep,
    /// Left out of the output.
    Delete,
    /// Written back as these bytes instead.
    Replace(Vec<u8>),
}

/// Per-message work, run on worker threads.
pub trait Processor: Sync {
    /// What the work yields for the sink.
    type Output: Send;

    /// Looks at one message of `member`. An `Err` stops the run at this
    /// message: the messages before it reach the sink, none after it, and
    /// the error gets the message's position (member and index).
    fn process(&self, member: &Member, message: &Message) -> Result<Self::Output>;
}

/// A processor that keeps every message, for runs that only read.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct KeepAll;

impl Processor for KeepAll {
    type Output = Outcome;

    fn process(&self, _member: &Member, _message: &Message) -> Result<Outcome> {
        Ok(Outcome::Keep)
    }
}

/// Receives the stream, in input order, with each message's processing
/// result. The methods are called in the order of the [`Event`]s.
pub(crate) trait Sink<P> {
    /// A member begins.
    fn member_start(&mut self, member: &Arc<Member>) -> Result<()>;
    /// Non-message bytes of the current member.
    fn data(&mut self, bytes: &[u8]) -> Result<()>;
    /// A message of the current member and what processing made of it.
    fn message(&mut self, message: Message, processed: P) -> Result<()>;
    /// The current member ends, followed by `padding` in the input.
    fn member_end(&mut self, padding: &[u8]) -> Result<()>;
    /// The tar end-of-archive marker.
    fn archive_end(&mut self, _zero_blocks: u64) -> Result<()> {
        Ok(())
    }
    /// Bytes after the end-of-archive marker.
    fn trailer(&mut self, _bytes: &[u8]) -> Result<()> {
        Ok(())
    }
}

/// Settings of the pipeline's threads and queues.
#[derive(Debug, Clone)]
pub struct PipelineOptions {
    /// Worker threads; 1 runs everything on the calling thread. Default:
    /// the machine's cores.
    pub threads: usize,
    /// Payload bytes per batch. Default 2 MiB.
    pub batch_bytes: usize,
    /// Batches waiting between reader and workers. Default 2.
    pub queue_depth: usize,
    /// Payload bytes in flight between the reader and the writer, all
    /// batches together, besides one batch heavier than half of this (a
    /// large message). Default 6 MiB.
    pub in_flight_bytes: usize,
    /// Counters to update for a progress display. Default none.
    pub progress: Option<Arc<Progress>>,
    /// Stops the run from another thread. Default: a handle nobody holds.
    pub cancel: Cancel,
}

/// Stops runs from another thread (a signal handler's, a user interface's)
/// without any process-global state: the pipeline checks it between events
/// and fails with [`ErrorKind::Cancelled`], and the temporary files
/// registered with it are removed at once by [`Cancel::cancel`], even while
/// the run is blocked reading its input. Clones share one state; once
/// cancelled, it stays cancelled (runs given it refuse to start).
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<CancelState>);

#[derive(Debug, Default)]
struct CancelState {
    cancelled: AtomicBool,
    /// Temporary files to remove on cancel, by registration number.
    files: Mutex<TempFiles>,
}

#[derive(Debug, Default)]
struct TempFiles {
    next: u64,
    paths: BTreeMap<u64, PathBuf>,
}

impl Cancel {
    /// Cancels: sets the flag and removes every registered temporary file.
    /// Waits for a commit in progress (the renames of a transaction) to end
    /// first, so that a transaction is either whole or undone.
    pub fn cancel(&self) {
        let mut files = self.files();
        self.0.cancelled.store(true, Ordering::SeqCst);
        for path in std::mem::take(&mut files.paths).into_values() {
            let _ = std::fs::remove_file(path);
        }
    }

    /// True once [`Cancel::cancel`] was called.
    pub(crate) fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::SeqCst)
    }

    /// `Err(Cancelled)` once cancelled.
    pub(crate) fn check(&self) -> Result<()> {
        if self.is_cancelled() {
            Err(Error::new(ErrorKind::Cancelled))
        } else {
            Ok(())
        }
    }

    fn files(&self) -> std::sync::MutexGuard<'_, TempFiles> {
        self.0.files.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `create`, which makes a temporary file and returns it with its
    /// path, and registers the path for removal on cancel; both under the
    /// lock that [`Cancel::cancel`] takes, so no file escapes a cancel.
    /// Returns the file, its path and its registration number.
    pub(crate) fn register<T>(
        &self,
        create: impl FnOnce() -> Result<(T, PathBuf)>,
    ) -> Result<(T, PathBuf, u64)> {
        let mut files = self.files();
        self.check()?;
        let (value, path) = create()?;
        let id = files.next;
        files.next += 1;
        files.paths.insert(id, path.clone());
        Ok((value, path, id))
    }

    /// Removes a registered temporary file (if still registered) and
    /// forgets it.
    pub(crate) fn remove(&self, id: u64) {
        if let Some(path) = self.files().paths.remove(&id) {
            let _ = std::fs::remove_file(path);
        }
    }

    /// Runs `commit` (the renames that publish a transaction's temporary
    /// files) unless cancelled, under the lock that [`Cancel::cancel`]
    /// takes; the files of `ids` are then forgotten, not removed.
    pub(crate) fn commit<T>(&self, ids: &[u64], commit: impl FnOnce() -> Result<T>) -> Result<T> {
        let mut files = self.files();
        self.check()?;
        let value = commit();
        if value.is_ok() {
            for id in ids {
                files.paths.remove(id);
            }
        }
        value
    }
}

/// Counters a long run updates as it goes, for a progress display.
#[derive(Debug, Default)]
pub struct Progress {
    input_bytes: AtomicU64,
    members: AtomicU64,
    messages: AtomicU64,
    stage: AtomicU8,
}

/// Where a run is, for a progress display: the bytes read only say how far
/// the reader got, and the writer and the closing steps come after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The input is being read (and its messages processed and written).
    Reading,
    /// The input was read to its end; the last messages are being
    /// processed and written.
    Writing,
    /// Every member went through; the outputs are being flushed, checked
    /// and renamed, the manifest ended.
    Finishing,
}

impl Progress {
    /// Bytes of the input read so far (as stored, compressed).
    pub fn input_bytes(&self) -> u64 {
        self.input_bytes.load(Ordering::Relaxed)
    }

    /// Members written or examined so far.
    pub fn members(&self) -> u64 {
        self.members.load(Ordering::Relaxed)
    }

    /// Messages written or examined so far.
    pub fn messages(&self) -> u64 {
        self.messages.load(Ordering::Relaxed)
    }

    /// The stage the run is in.
    pub fn stage(&self) -> Stage {
        match self.stage.load(Ordering::Relaxed) {
            0 => Stage::Reading,
            1 => Stage::Writing,
            _ => Stage::Finishing,
        }
    }

    /// Moves the run to `stage` (never back to an earlier one).
    pub(crate) fn set_stage(&self, stage: Stage) {
        let value = match stage {
            Stage::Reading => 0,
            Stage::Writing => 1,
            Stage::Finishing => 2,
        };
        self.stage.fetch_max(value, Ordering::Relaxed);
    }

    /// Wraps the raw input so that its bytes are counted.
    pub(crate) fn reader<R: Read>(self: &Arc<Self>, inner: R) -> ProgressReader<R> {
        ProgressReader {
            inner,
            progress: Arc::clone(self),
        }
    }

    fn delivered(&self, event: &Event) {
        match event {
            Event::MemberStart(_) => self.members.fetch_add(1, Ordering::Relaxed),
            Event::Message(_) => self.messages.fetch_add(1, Ordering::Relaxed),
            _ => 0,
        };
    }
}

/// A reader that counts its bytes into a [`Progress`].
pub(crate) struct ProgressReader<R> {
    inner: R,
    progress: Arc<Progress>,
}

impl<R: Read> Read for ProgressReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress
            .input_bytes
            .fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl Default for PipelineOptions {
    fn default() -> Self {
        PipelineOptions {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            batch_bytes: 2 << 20,
            queue_depth: 2,
            in_flight_bytes: 6 << 20,
            progress: None,
            cancel: Cancel::default(),
        }
    }
}

/// Runs the whole input through `processor` into `sink`.
pub(crate) fn run<P, S>(
    opened: Opened,
    read: &ReadOptions,
    processor: &P,
    sink: &mut S,
    options: &PipelineOptions,
) -> Result<()>
where
    P: Processor,
    S: Sink<P::Output>,
{
    options.cancel.check()?;
    if options.threads <= 1 {
        return run_serial(opened, read, processor, sink, options);
    }
    run_parallel(opened, read, processor, sink, options)
}

/// [`run`] on the calling thread alone: each message processed as it is
/// read, then delivered.
fn run_serial<P, S>(
    opened: Opened,
    read: &ReadOptions,
    processor: &P,
    sink: &mut S,
    options: &PipelineOptions,
) -> Result<()>
where
    P: Processor,
    S: Sink<P::Output>,
{
    let mut member: Option<Arc<Member>> = None;
    read_events(opened, read, &mut |event| {
        options.cancel.check()?;
        let processed = match &event {
            Event::Message(message) => Some(processor.process(current(&member)?, message)),
            _ => None,
        };
        let progress = options.progress.as_deref();
        deliver(event, processed, &mut member, sink, progress)
    })
}

fn current(member: &Option<Arc<Member>>) -> Result<&Member> {
    member
        .as_deref()
        .ok_or_else(|| Error::new(ErrorKind::Internal("message outside a member".into())))
}

/// Hands one event (and its processing result) to the sink; a failed
/// processing result is the run's error, at the message's position.
fn deliver<O, S: Sink<O>>(
    event: Event,
    processed: Option<Result<O>>,
    member: &mut Option<Arc<Member>>,
    sink: &mut S,
    progress: Option<&Progress>,
) -> Result<()> {
    if let Some(progress) = progress {
        progress.delivered(&event);
    }
    match event {
        Event::MemberStart(m) => {
            sink.member_start(&m)?;
            *member = Some(m);
            Ok(())
        }
        Event::Data(bytes) => sink.data(&bytes),
        Event::Message(message) => deliver_message(message, processed, member.as_deref(), sink),
        Event::MemberEnd { padding } => sink.member_end(&padding),
        Event::ArchiveEnd { zero_blocks } => sink.archive_end(zero_blocks),
        Event::Trailer(bytes) => sink.trailer(&bytes),
    }
}

/// Hands one message and its processing result to the sink; an error of
/// either names the message and its member (`owner`).
fn deliver_message<O, S: Sink<O>>(
    message: Message,
    processed: Option<Result<O>>,
    owner: Option<&Member>,
    sink: &mut S,
) -> Result<()> {
    let index = message.index;
    let at = |e: Error| {
        let e = e.with_message(index);
        match owner {
            Some(m) => e.with_member(&m.path),
            None => e,
        }
    };
    let processed = processed
        .ok_or_else(|| Error::new(ErrorKind::Internal("message without a result".into())))?
        .map_err(at)?;
    sink.message(message, processed).map_err(at)
}

/// [`run`] on three stages: the reader thread, the processing thread (the
/// messages on a pool) and the calling thread, which feeds the sink.
fn run_parallel<P, S>(
    opened: Opened,
    read: &ReadOptions,
    processor: &P,
    sink: &mut S,
    options: &PipelineOptions,
) -> Result<()>
where
    P: Processor,
    S: Sink<P::Output>,
{
    let pool = worker_pool(options.threads)?;
    let depth = options.queue_depth.max(1);
    let (to_process, read_batches) = mpsc::sync_channel::<Batch>(depth);
    let (to_write, processed_batches) = mpsc::sync_channel::<Processed<P::Output>>(depth);
    let budget = Budget::new(options.in_flight_bytes.max(1));
    let internal = |what: &str| Error::new(ErrorKind::Internal(what.to_owned()));
    std::thread::scope(|scope| {
        let budget = &budget;
        let reader = spawn_stage(scope, "mailscrub-reader", "reader thread", move || {
            read_in_batches(opened, read, to_process, budget, options)
        })?;
        let pool = &pool;
        let worker = spawn_stage(scope, "mailscrub-process", "processing thread", move || {
            process_batches(read_batches, to_write, processor, pool)
        })?;
        let written = write_batches(processed_batches, sink, budget, options);
        budget.close();
        let processed = worker
            .join()
            .unwrap_or_else(|_| Err(internal("processing thread panicked")));
        let read_result = reader
            .join()
            .unwrap_or_else(|_| Err(internal("reader thread panicked")));
        first_error([written, read_result, processed])
    })
}

/// The pool the processing thread runs the messages on.
fn worker_pool(threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("mailscrub-worker-{i}"))
        .build()
        .map_err(|e| Error::new(ErrorKind::Internal(format!("thread pool: {e}"))))
}

/// Starts one stage of the pipeline on its own named thread (`what` names
/// it in the error when it cannot start).
fn spawn_stage<'scope, F>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    name: &str,
    what: &str,
    stage: F,
) -> Result<std::thread::ScopedJoinHandle<'scope, Result<()>>>
where
    F: FnOnce() -> Result<()> + Send + 'scope,
{
    std::thread::Builder::new()
        .name(name.into())
        .spawn_scoped(scope, stage)
        .map_err(|e| Error::new(ErrorKind::Internal(format!("{what}: {e}"))))
}

/// The first error that is not an internal "stopped" echo of another
/// stage's failure; else the first error; else success.
fn first_error(results: [Result<()>; 3]) -> Result<()> {
    let mut errors: Vec<Error> = results.into_iter().filter_map(Result::err).collect();
    match errors
        .iter()
        .position(|e| !matches!(e.kind(), ErrorKind::Internal(_)))
    {
        Some(i) => Err(errors.swap_remove(i)),
        None => errors.into_iter().next().map_or(Ok(()), Err),
    }
}

/// A batch of events and the payload bytes it carries.
struct Batch {
    events: Vec<Event>,
    weight: usize,
}

/// A batch with the processing result of each of its messages.
struct Processed<O> {
    /// The batch's place in the input.
    seq: usize,
    batch: Batch,
    results: Vec<Option<Result<O>>>,
}

/// Payload bytes in flight between the reader and the writer. The reader
/// takes a batch's weight before sending it, the writer gives it back once
/// the batch is written. One *heavy* batch (a large message) may be in
/// flight beside the budget, so that the other workers and the reader go on
/// while it is matched: memory stays bounded by the budget plus the largest
/// batch, however large the messages are.
struct Budget {
    state: Mutex<BudgetState>,
    freed: Condvar,
    limit: usize,
}

#[derive(Default)]
struct BudgetState {
    /// Bytes taken by ordinary batches.
    used: usize,
    /// A heavy batch is in flight.
    heavy: bool,
    /// The writer has stopped.
    stopped: bool,
}

impl Budget {
    fn new(limit: usize) -> Self {
        Budget {
            state: Mutex::new(BudgetState::default()),
            freed: Condvar::new(),
            limit,
        }
    }

    /// Whether a batch of `weight` bytes is heavy.
    fn is_heavy(&self, weight: usize) -> bool {
        weight > self.limit / 2
    }

    /// Waits until a batch of `weight` bytes fits: a heavy one when no other
    /// is in flight, an ordinary one within the limit (or alone); false once
    /// the writer has stopped.
    fn acquire(&self, weight: usize) -> bool {
        let heavy = self.is_heavy(weight);
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if state.stopped || self.fits(&state, weight) {
                break;
            }
            state = self
                .freed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if heavy {
            state.heavy = true;
        } else {
            state.used += weight;
        }
        !state.stopped
    }

    /// Whether a batch of `weight` bytes may go now.
    fn fits(&self, state: &BudgetState, weight: usize) -> bool {
        if self.is_heavy(weight) {
            !state.heavy
        } else {
            state.used == 0 || state.used + weight <= self.limit
        }
    }

    fn release(&self, weight: usize) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if self.is_heavy(weight) {
            state.heavy = false;
        } else {
            state.used = state.used.saturating_sub(weight);
        }
        self.freed.notify_all();
    }

    /// The writer stopped: nobody waits any longer.
    fn close(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.stopped = true;
        self.freed.notify_all();
    }
}

/// The reader thread: events grouped into batches of about
/// `options.batch_bytes`, each sent once the budget has room for it.
fn read_in_batches(
    opened: Opened,
    read: &ReadOptions,
    sender: mpsc::SyncSender<Batch>,
    budget: &Budget,
    options: &PipelineOptions,
) -> Result<()> {
    let (batch_bytes, cancel) = (options.batch_bytes.max(1), &options.cancel);
    let mut events = Vec::new();
    let mut weight = 0;
    let send = |events: Vec<Event>, weight: usize| {
        let closed = || Error::new(ErrorKind::Internal("the pipeline stopped".into()));
        if !budget.acquire(weight) {
            return Err(closed());
        }
        sender.send(Batch { events, weight }).map_err(|_| closed())
    };
    read_events(opened, read, &mut |event| {
        cancel.check()?;
        weight += event.weight();
        events.push(event);
        if weight >= batch_bytes {
            send(std::mem::take(&mut events), std::mem::take(&mut weight))?;
        }
        Ok(())
    })?;
    if let Some(progress) = &options.progress {
        progress.set_stage(Stage::Writing);
    }
    if !events.is_empty() {
        send(events, weight)?;
    }
    Ok(())
}

/// Messages at least this large are processed one at a time.
const LARGE_MESSAGE: usize = 1 << 20;

/// The processing thread: each batch becomes a task on the pool as soon as
/// it arrives (its messages in parallel), so that a batch held up by one
/// large message never leaves a worker idle; results go to the writer
/// tagged with the batch's sequence number.
fn process_batches<P: Processor>(
    receiver: mpsc::Receiver<Batch>,
    sender: mpsc::SyncSender<Processed<P::Output>>,
    processor: &P,
    pool: &rayon::ThreadPool,
) -> Result<()> {
    let mut member: Option<Arc<Member>> = None;
    let mut failure = None;
    let large = Mutex::new(());
    let large = &large;
    pool.in_place_scope(|scope| {
        for (seq, batch) in receiver.into_iter().enumerate() {
            let jobs = match message_jobs(&batch, &mut member) {
                Ok(jobs) => jobs,
                Err(e) => {
                    failure = Some(e);
                    return;
                }
            };
            let sender = sender.clone();
            scope.spawn(move |_| {
                let results = process_batch(&batch, &jobs, processor, large);
                // A closed channel means the writer stopped; it reports why.
                let _ = sender.send(Processed {
                    seq,
                    batch,
                    results,
                });
            });
        }
    });
    failure.map_or(Ok(()), Err)
}

/// The messages of `batch` (their places in it) with the member each
/// belongs to; `member` is the member open at the batch's end.
fn message_jobs(
    batch: &Batch,
    member: &mut Option<Arc<Member>>,
) -> Result<Vec<(usize, Arc<Member>)>> {
    let mut jobs = Vec::new();
    for (i, event) in batch.events.iter().enumerate() {
        match event {
            Event::MemberStart(m) => *member = Some(Arc::clone(m)),
            Event::Message(_) => match member {
                Some(owner) => jobs.push((i, Arc::clone(owner))),
                None => {
                    return Err(Error::new(ErrorKind::Internal(
                        "message outside a member".into(),
                    )));
                }
            },
            _ => {}
        }
    }
    Ok(jobs)
}

/// Processes the messages of one batch in parallel (`large` lets one large
/// message in at a time); the result of each event, `None` but for messages.
fn process_batch<P: Processor>(
    batch: &Batch,
    jobs: &[(usize, Arc<Member>)],
    processor: &P,
    large: &Mutex<()>,
) -> Vec<Option<Result<P::Output>>> {
    let done: Vec<(usize, Result<P::Output>)> = jobs
        .par_iter()
        .filter_map(|(i, owner)| match &batch.events[*i] {
            Event::Message(message) => {
                // Working on a message takes a few times its
                // size: one large message at a time keeps the
                // peak near the largest message, not a multiple.
                let _turn = (message.bytes.len() >= LARGE_MESSAGE)
                    .then(|| large.lock().unwrap_or_else(PoisonError::into_inner));
                Some((*i, processor.process(owner, message)))
            }
            _ => None,
        })
        .collect();
    let mut results: Vec<Option<Result<P::Output>>> = batch.events.iter().map(|_| None).collect();
    for (i, output) in done {
        results[i] = Some(output);
    }
    results
}

/// The calling thread: feeds the sink in input order.
fn write_batches<O, S: Sink<O>>(
    receiver: mpsc::Receiver<Processed<O>>,
    sink: &mut S,
    budget: &Budget,
    options: &PipelineOptions,
) -> Result<()> {
    let (progress, cancel) = (options.progress.as_deref(), &options.cancel);
    let mut member: Option<Arc<Member>> = None;
    let mut waiting: BTreeMap<usize, Processed<O>> = BTreeMap::new();
    let mut next = 0;
    for processed in receiver {
        cancel.check()?;
        waiting.insert(processed.seq, processed);
        while let Some(Processed { batch, results, .. }) = waiting.remove(&next) {
            for (event, result) in batch.events.into_iter().zip(results) {
                deliver(event, result, &mut member, sink, progress)?;
            }
            budget.release(batch.weight);
            next += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sink that writes nothing.
    #[derive(Debug, Default)]
    struct NullSink;

    impl<P> Sink<P> for NullSink {
        fn member_start(&mut self, _member: &Arc<Member>) -> Result<()> {
            Ok(())
        }
        fn data(&mut self, _bytes: &[u8]) -> Result<()> {
            Ok(())
        }
        fn message(&mut self, _message: Message, _processed: P) -> Result<()> {
            Ok(())
        }
        fn member_end(&mut self, _padding: &[u8]) -> Result<()> {
            Ok(())
        }
    }

    #[test]
    fn one_heavy_batch_goes_beside_the_budget() {
        let budget = Budget::new(8);
        let state = |used, heavy| BudgetState {
            used,
            heavy,
            stopped: false,
        };
        // Ordinary batches share the limit; one alone always goes.
        assert!(budget.fits(&state(0, false), 4));
        assert!(budget.fits(&state(4, false), 4));
        assert!(!budget.fits(&state(5, false), 4));
        assert!(budget.fits(&state(0, true), 4));
        // A heavy batch goes whatever the ordinary ones use, one at a time.
        assert!(budget.fits(&state(8, false), 100));
        assert!(!budget.fits(&state(0, true), 5));
        assert!(budget.acquire(3) && budget.acquire(100) && budget.acquire(4));
        budget.release(100);
        assert!(budget.acquire(6));
    }
    use crate::input::container;

    fn mbox(messages: usize) -> Vec<u8> {
        (0..messages)
            .map(|i| {
                format!("From a@example.com Mon Jan  1 00:00:00 2024\nSubject: {i}\n\nbody\n\n")
            })
            .collect::<String>()
            .into_bytes()
    }

    /// How the tests read their mbox input.
    fn mbox_read_options() -> ReadOptions {
        ReadOptions {
            max_message_size: 1 << 20,
            input_name: b"in.mbox".to_vec(),
            allow_empty: false,
        }
    }

    #[test]
    fn progress_counts_input_bytes_members_and_messages() {
        let input = mbox(50);
        for threads in [1, 2] {
            let progress = Arc::new(Progress::default());
            let raw = progress.reader(std::io::Cursor::new(input.clone()));
            let opened = container::open(Box::new(raw), container::DEFAULT_MAX_WINDOW).unwrap();
            let read = mbox_read_options();
            let options = PipelineOptions {
                threads,
                batch_bytes: 512,
                progress: Some(Arc::clone(&progress)),
                ..PipelineOptions::default()
            };
            run(opened, &read, &KeepAll, &mut NullSink, &options).unwrap();
            assert_eq!(progress.input_bytes(), input.len() as u64);
            assert_eq!((progress.members(), progress.messages()), (1, 50));
        }
    }

    /// Fails at the message whose subject is `Subject: {fail}`.
    struct FailAt(usize);

    impl Processor for FailAt {
        type Output = Outcome;

        fn process(&self, _member: &Member, message: &Message) -> Result<Outcome> {
            let subject = format!("Subject: {}\n", self.0);
            match message
                .bytes
                .windows(subject.len())
                .any(|w| w == subject.as_bytes())
            {
                true => Err(Error::new(ErrorKind::Unredactable("test".into()))),
                false => Ok(Outcome::Keep),
            }
        }
    }

    /// Counts the messages it is given.
    #[derive(Default)]
    struct CountMessages(usize);

    impl Sink<Outcome> for CountMessages {
        fn member_start(&mut self, _member: &Arc<Member>) -> Result<()> {
            Ok(())
        }
        fn data(&mut self, _bytes: &[u8]) -> Result<()> {
            Ok(())
        }
        fn message(&mut self, _message: Message, _processed: Outcome) -> Result<()> {
            self.0 += 1;
            Ok(())
        }
        fn member_end(&mut self, _padding: &[u8]) -> Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_processing_error_stops_the_run_at_its_message_with_its_position() {
        for threads in [1, 2, 4] {
            let opened = container::open(
                Box::new(std::io::Cursor::new(mbox(2000))),
                container::DEFAULT_MAX_WINDOW,
            )
            .unwrap();
            let options = PipelineOptions {
                threads,
                batch_bytes: 512,
                ..PipelineOptions::default()
            };
            let mut sink = CountMessages::default();
            let read = mbox_read_options();
            let err = run(opened, &read, &FailAt(1234), &mut sink, &options).unwrap_err();
            assert!(matches!(err.kind(), ErrorKind::Unredactable(_)), "{err}");
            assert_eq!(
                err.to_string(),
                "member 'in.mbox', message 1234: cannot redact safely: test"
            );
            assert_eq!(sink.0, 1234, "threads {threads}: the messages before it");
        }
    }

    /// A reader that cancels the run once `after` bytes were read.
    struct CancelAfter {
        inner: std::io::Cursor<Vec<u8>>,
        after: u64,
        cancel: Cancel,
    }

    impl Read for CancelAfter {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.inner.position() >= self.after {
                self.cancel.cancel();
            }
            let n = buf.len().min(4096);
            self.inner.read(&mut buf[..n])
        }
    }

    #[test]
    fn a_cancel_stops_the_run_and_removes_registered_files() {
        let dir = tempfile::tempdir().unwrap();
        for threads in [1, 2] {
            let cancel = Cancel::default();
            let temp = dir.path().join(format!("temp-{threads}"));
            let ((), _, _) = cancel
                .register(|| {
                    std::fs::write(&temp, b"x").unwrap();
                    Ok(((), temp.clone()))
                })
                .unwrap();
            let raw = CancelAfter {
                inner: std::io::Cursor::new(mbox(20_000)),
                after: 64 << 10,
                cancel: cancel.clone(),
            };
            let opened = container::open(Box::new(raw), container::DEFAULT_MAX_WINDOW).unwrap();
            let read = mbox_read_options();
            let options = PipelineOptions {
                threads,
                batch_bytes: 512,
                cancel: cancel.clone(),
                ..PipelineOptions::default()
            };
            let err = run(opened, &read, &KeepAll, &mut NullSink, &options).unwrap_err();
            assert!(matches!(err.kind(), ErrorKind::Cancelled), "{err}");
            assert!(!temp.exists(), "a registered file survived the cancel");
            assert!(cancel.register(|| Ok(((), temp.clone()))).is_err());
            assert!(cancel.commit(&[], || Ok(())).is_err());
        }
    }
}
