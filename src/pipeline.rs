//! The pipeline: a reader thread, parallel per-message work, an ordered sink.
//!
//! ```text
//! reader thread: decompress -> tar -> split   --batches-->   main thread:
//!     rayon workers: Processor::process (per message, in parallel)
//!     then, in input order: Sink (repack writer, inventory, report, ...)
//! ```
//! Batches are cut at [`PipelineOptions::batch_bytes`] of payload and at most
//! [`PipelineOptions::queue_depth`] of them wait in the channel, so memory is
//! bounded by a constant plus the largest message. Only this module knows
//! about threads; with one thread everything runs on the caller's thread in
//! the same order, and the sink sees exactly the same calls either way.

use std::sync::Arc;
use std::sync::mpsc;

use rayon::prelude::*;

use crate::container::Opened;
use crate::error::{Error, ErrorKind, Result};
use crate::mailbox::Message;
use crate::source::{Event, Member, ReadOptions, read_events};

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

    /// Looks at one message of `member`.
    fn process(&self, member: &Member, message: &Message) -> Self::Output;
}

/// A processor that keeps every message, for runs that only read.
#[derive(Debug, Default, Clone, Copy)]
pub struct KeepAll;

impl Processor for KeepAll {
    type Output = Outcome;

    fn process(&self, _member: &Member, _message: &Message) -> Outcome {
        Outcome::Keep
    }
}

/// Receives the stream, in input order, with each message's processing
/// result. The methods are called in the order of the [`Event`]s.
pub trait Sink<P> {
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
    /// Payload bytes per batch. Default 4 MiB.
    pub batch_bytes: usize,
    /// Batches waiting between reader and workers. Default 2.
    pub queue_depth: usize,
}

impl Default for PipelineOptions {
    fn default() -> Self {
        PipelineOptions {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            batch_bytes: 4 << 20,
            queue_depth: 2,
        }
    }
}

/// Runs the whole input through `processor` into `sink`.
pub fn run<P, S>(
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
    if options.threads <= 1 {
        let mut member: Option<Arc<Member>> = None;
        return read_events(opened, read, &mut |event| {
            let processed = match &event {
                Event::Message(message) => Some(processor.process(current(&member)?, message)),
                _ => None,
            };
            deliver(event, processed, &mut member, sink)
        });
    }
    run_parallel(opened, read, processor, sink, options)
}

fn current(member: &Option<Arc<Member>>) -> Result<&Member> {
    member
        .as_deref()
        .ok_or_else(|| Error::new(ErrorKind::Internal("message outside a member".into())))
}

/// Hands one event (and its processing result) to the sink.
fn deliver<O, S: Sink<O>>(
    event: Event,
    processed: Option<O>,
    member: &mut Option<Arc<Member>>,
    sink: &mut S,
) -> Result<()> {
    match event {
        Event::MemberStart(m) => {
            sink.member_start(&m)?;
            *member = Some(m);
            Ok(())
        }
        Event::Data(bytes) => sink.data(&bytes),
        Event::Message(message) => {
            let index = message.index;
            let processed = processed.ok_or_else(|| {
                Error::new(ErrorKind::Internal("message without a result".into()))
            })?;
            sink.message(message, processed).map_err(|e| {
                let e = e.with_message(index);
                match member {
                    Some(m) => e.with_member(&m.path),
                    None => e,
                }
            })
        }
        Event::MemberEnd { padding } => sink.member_end(&padding),
        Event::ArchiveEnd { zero_blocks } => sink.archive_end(zero_blocks),
        Event::Trailer(bytes) => sink.trailer(&bytes),
    }
}

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
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads)
        .thread_name(|i| format!("mailscrub-worker-{i}"))
        .build()
        .map_err(|e| Error::new(ErrorKind::Internal(format!("thread pool: {e}"))))?;
    let (sender, receiver) = mpsc::sync_channel::<Vec<Event>>(options.queue_depth.max(1));
    let batch_bytes = options.batch_bytes.max(1);
    std::thread::scope(|scope| {
        let reader = std::thread::Builder::new()
            .name("mailscrub-reader".into())
            .spawn_scoped(scope, move || {
                read_in_batches(opened, read, sender, batch_bytes)
            })
            .map_err(|e| Error::new(ErrorKind::Internal(format!("reader thread: {e}"))))?;
        let written = write_batches(&receiver, processor, sink, &pool);
        drop(receiver);
        let read_result = reader.join().unwrap_or_else(|_| {
            Err(Error::new(ErrorKind::Internal(
                "reader thread panicked".into(),
            )))
        });
        match (written, read_result) {
            (Err(e), _) if !matches!(e.kind(), ErrorKind::Internal(_)) => Err(e),
            (_, Err(e)) => Err(e),
            (written, Ok(())) => written,
        }
    })
}

/// The reader thread: events grouped into batches of about `batch_bytes`.
fn read_in_batches(
    opened: Opened,
    read: &ReadOptions,
    sender: mpsc::SyncSender<Vec<Event>>,
    batch_bytes: usize,
) -> Result<()> {
    let mut batch = Vec::new();
    let mut weight = 0;
    let closed = || Error::new(ErrorKind::Internal("writer stopped".into()));
    read_events(opened, read, &mut |event| {
        weight += event.weight();
        batch.push(event);
        if weight >= batch_bytes {
            weight = 0;
            sender
                .send(std::mem::take(&mut batch))
                .map_err(|_| closed())?;
        }
        Ok(())
    })?;
    if !batch.is_empty() {
        sender.send(batch).map_err(|_| closed())?;
    }
    Ok(())
}

/// The main thread: processes each batch's messages in parallel, then feeds
/// the sink in input order.
fn write_batches<P, S>(
    receiver: &mpsc::Receiver<Vec<Event>>,
    processor: &P,
    sink: &mut S,
    pool: &rayon::ThreadPool,
) -> Result<()>
where
    P: Processor,
    S: Sink<P::Output>,
{
    let mut member: Option<Arc<Member>> = None;
    for batch in receiver {
        let mut jobs = Vec::new();
        let mut owner = member.clone();
        for (i, event) in batch.iter().enumerate() {
            match event {
                Event::MemberStart(m) => owner = Some(Arc::clone(m)),
                Event::Message(message) => {
                    let m = owner.clone().ok_or_else(|| {
                        Error::new(ErrorKind::Internal("message outside a member".into()))
                    })?;
                    jobs.push((i, m, message));
                }
                _ => {}
            }
        }
        let results: Vec<(usize, P::Output)> = pool.install(|| {
            jobs.par_iter()
                .map(|(i, m, message)| (*i, processor.process(m, message)))
                .collect()
        });
        let mut results = results.into_iter().peekable();
        for (i, event) in batch.into_iter().enumerate() {
            let processed = results.next_if(|(j, _)| *j == i).map(|(_, p)| p);
            deliver(event, processed, &mut member, sink)?;
        }
    }
    Ok(())
}
