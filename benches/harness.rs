//! Benchmark harness for mailscrub: generates deterministic mail-backup
//! corpora (profiles attachments, text, mixed) and measures scan, scrub and
//! verify with three request sets against a plain decompress-recompress
//! copy of each, every command a child process under GNU time.
//! See docs/benchmarks.md; run with `cargo bench --bench harness -- --size 1G`.

#[path = "harness/args.rs"]
mod args;
#[path = "harness/corpus.rs"]
mod corpus;
#[path = "harness/date.rs"]
mod date;
#[path = "harness/encode.rs"]
mod encode;
#[path = "harness/intl.rs"]
mod intl;
#[path = "harness/mail.rs"]
mod mail;
#[path = "harness/measure.rs"]
mod measure;
#[path = "harness/report.rs"]
mod report;
#[path = "harness/request.rs"]
mod request;
#[path = "harness/rng.rs"]
mod rng;
#[path = "harness/text.rs"]
mod text;
#[path = "harness/textmail.rs"]
mod textmail;

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;

use args::Args;
use measure::{Job, Sample};
use report::{Detection, Figures, Row};

/// The binary under test, built by cargo (release profile) before the
/// benchmark runs; `--mailscrub` can point elsewhere.
const MAILSCRUB: &str = env!("CARGO_BIN_EXE_mailscrub");

/// One profile's corpus.
struct Corpus {
    info: corpus::Info,
    zst: PathBuf,
    gz: Option<PathBuf>,
}

impl Corpus {
    fn profile(&self) -> &'static str {
        self.info.spec.profile.name()
    }
}

/// The inputs every run reads.
struct Inputs {
    corpora: Vec<Corpus>,
    /// The request sets in [`request::NAMES`] order.
    requests: Vec<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("harness: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let out = std::path::absolute(&args.out).map_err(|e| e.to_string())?;
    for profile in &args.profile {
        let dir = out.join("runs").join(profile.name());
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let inputs = prepare(args, &out).map_err(|e| format!("generating the corpus: {e}"))?;
    if args.generate_only {
        return Ok(());
    }
    for corpus in &inputs.corpora {
        warm_cache(&corpus.zst);
    }
    let jobs = jobs(args, &inputs, &out);
    let outcomes = measure_rounds(&jobs, args.runs, &out.join("runs"));
    let mut rows: Vec<Row> = jobs
        .into_iter()
        .zip(outcomes)
        .map(|(job, outcome)| row(&inputs, job, outcome))
        .collect();
    report::compare(&mut rows);
    let detections = detections(&inputs, &rows, &out);
    for corpus in &inputs.corpora {
        report::print(&rows, &corpus.info, &detections);
    }
    save(args, &inputs, &rows, &detections, &out)
}

/// Generates (or with `--keep`, reuses) each profile's corpus and writes the requests.
fn prepare(args: &Args, out: &Path) -> std::io::Result<Inputs> {
    let mut corpora = Vec::new();
    for &profile in &args.profile {
        let spec = corpus::Spec {
            profile,
            size: args.size,
            seed: args.seed,
            max_message: args.max_message,
        };
        let (zst, _) = corpus::paths(out, &spec);
        let existing = if args.keep {
            corpus::existing(out, &spec)
        } else {
            None
        };
        let info = match existing {
            Some(info) => {
                println!("reusing {}", zst.display());
                info
            }
            None => {
                let started = Instant::now();
                println!("generating {} ...", zst.display());
                let info = corpus::generate(out, &spec)?;
                println!("generated in {:.1} s", started.elapsed().as_secs_f64());
                info
            }
        };
        let per_subject: Vec<String> = info
            .affected_per_subject
            .iter()
            .map(|(id, n)| format!("{id}: {n}"))
            .collect();
        println!(
            "corpus {}: {} members, {} messages, {} affected ({}), largest message {} bytes ({:.2} MiB)",
            profile.name(),
            info.members,
            info.messages,
            info.affected,
            per_subject.join(", "),
            info.largest_message,
            info.largest_message as f64 / f64::from(1 << 20)
        );
        let gz = args.gzip.then(|| gzip_copy(&zst, args.keep)).transpose()?;
        corpora.push(Corpus { info, zst, gz });
    }
    let requests = request::write(out, args.seed)?;
    Ok(Inputs { corpora, requests })
}

/// The corpus recompressed as .tar.gz (level 6), made once per corpus.
fn gzip_copy(zst: &Path, keep: bool) -> std::io::Result<PathBuf> {
    let gz = zst.with_extension("").with_extension("tar.gz");
    if keep && gz.exists() {
        return Ok(gz);
    }
    println!("recompressing to {} ...", gz.display());
    let status = std::process::Command::new("bash")
        .args(["-c", "set -o pipefail; zstd -qdc -- \"$1\" | gzip -6 > \"$2.partial\" && mv \"$2.partial\" \"$2\"", "bash"])
        .args([zst, &gz])
        .status()?;
    if !status.success() {
        return Err(std::io::Error::other(format!(
            "recompressing to gzip failed: {status}"
        )));
    }
    Ok(gz)
}

/// Reads the corpus once so that the first run does not pay for a cold cache.
fn warm_cache(path: &Path) {
    if let Ok(mut file) = std::fs::File::open(path) {
        let _ = std::io::copy(&mut file, &mut std::io::sink());
    }
}

/// The copy baseline of a tar.zst: decompress, recompress at level 3 on all cores.
const ZSTD_COPY: &str = "zstd -qdc -- \"$1\" | zstd -q -3 -T0 -c";
/// The copy baseline of a tar.gz: decompress, recompress at level 6.
const GZIP_COPY: &str = "gzip -dc -- \"$1\" | gzip -6 -c";

/// A run to measure: the job, its profile and its baseline's run name.
struct Planned {
    job: Job,
    profile: &'static str,
    /// The run name without the profile, e.g. `scrub-1-intl`.
    run: String,
    baseline: &'static str,
}

/// The selected runs of every profile, in the order they are measured.
fn jobs(args: &Args, inputs: &Inputs, out: &Path) -> Vec<Planned> {
    let mut all = Vec::new();
    for corpus in &inputs.corpora {
        let profile = corpus.profile();
        let runs = out.join("runs").join(profile);
        let zst = &corpus.zst;
        let tool = |run: &str, words: &[&dyn AsRef<OsStr>], output: Option<PathBuf>| {
            let argv =
                std::iter::once(args.mailscrub.as_os_str()).chain(words.iter().map(|w| w.as_ref()));
            Job {
                name: format!("{profile}/{run}"),
                argv: argv.map(OsString::from).collect(),
                output,
            }
        };
        let scrub = |run: &str, request: &Path, input: &Path, output: PathBuf| {
            tool(
                run,
                &[
                    &"scrub",
                    &"--force",
                    &"--subjects",
                    &request,
                    &input,
                    &"-o",
                    &output,
                ],
                Some(output.clone()),
            )
        };
        let mut planned = |job: Job, baseline: &'static str| {
            let run = job.name[profile.len() + 1..].to_owned();
            all.push(Planned {
                job,
                profile,
                run,
                baseline,
            });
        };
        planned(
            copy(
                &format!("{profile}/baseline"),
                ZSTD_COPY,
                zst,
                runs.join("baseline.tar.zst"),
            ),
            "baseline",
        );
        let requests = request::NAMES.iter().zip(&inputs.requests);
        for (name, request) in requests.clone() {
            planned(
                tool(
                    &format!("scan-{name}"),
                    &[&"scan", &"--subjects", request, zst],
                    None,
                ),
                "baseline",
            );
        }
        for (name, request) in requests.clone() {
            let output = runs.join(format!("scrub-{name}.tar.zst"));
            planned(
                scrub(&format!("scrub-{name}"), request, zst, output),
                "baseline",
            );
        }
        for (name, request) in requests {
            let scrubbed = runs.join(format!("scrub-{name}.tar.zst"));
            let manifest = runs.join(format!("scrub-{name}.tar.zst.manifest.json"));
            planned(
                tool(
                    &format!("verify-{name}"),
                    &[
                        &"verify",
                        &scrubbed,
                        &"--manifest",
                        &manifest,
                        &"--subjects",
                        request,
                    ],
                    None,
                ),
                "baseline",
            );
        }
        if let Some(gz) = &corpus.gz {
            planned(
                copy(
                    &format!("{profile}/baseline-gz"),
                    GZIP_COPY,
                    gz,
                    runs.join("baseline.tar.gz"),
                ),
                "baseline-gz",
            );
            planned(
                scrub(
                    "scrub-1-gz",
                    &inputs.requests[0],
                    gz,
                    runs.join("scrub-1.tar.gz"),
                ),
                "baseline-gz",
            );
        }
    }
    all.retain(|p| selected(args, p.profile, &p.run));
    all
}

/// Whether `--only` selects the run `run` of `profile` (baselines always
/// run, and a selected verify-X brings its scrub-X).
fn selected(args: &Args, profile: &str, run: &str) -> bool {
    let wanted = |run: &str| {
        let family = run.split('-').next().unwrap_or(run);
        args.only
            .iter()
            .any(|o| o == run || o == family || *o == format!("{profile}/{run}"))
    };
    args.only.is_empty()
        || run.starts_with("baseline")
        || wanted(run)
        || run
            .strip_prefix("scrub-")
            .is_some_and(|rest| wanted(&format!("verify-{rest}")))
}

/// A copy baseline: `pipeline` reading "$1", its output redirected to "$2",
/// run by `bash` with `pipefail` so that a failure anywhere counts.
fn copy(name: &str, pipeline: &str, input: &Path, output: PathBuf) -> Job {
    let script = format!("set -o pipefail; {pipeline} > \"$2\"");
    let argv = ["bash", "-c", &script, "bash"]
        .map(OsString::from)
        .into_iter()
        .chain([input.into(), output.clone().into()])
        .collect();
    Job {
        name: name.to_owned(),
        argv,
        output: Some(output),
    }
}

/// Runs every job once per round, `runs` rounds (interleaved, so that a
/// slow spell of the machine hits all of them alike); a job that fails is
/// not run again.
fn measure_rounds(jobs: &[Planned], runs: u32, logs: &Path) -> Vec<Result<Vec<Sample>, String>> {
    let mut outcomes: Vec<Result<Vec<Sample>, String>> =
        jobs.iter().map(|_| Ok(Vec::new())).collect();
    for round in 1..=runs {
        for (planned, outcome) in jobs.iter().zip(&mut outcomes) {
            let Ok(samples) = outcome else { continue };
            let job = &planned.job;
            println!("[{round}/{runs}] {:<24} {}", job.name, job.display());
            match measure::once(job, logs) {
                Ok(sample) => samples.push(sample),
                Err(failure) => *outcome = Err(failure),
            }
        }
    }
    outcomes
}

/// The report row of one job.
fn row(inputs: &Inputs, planned: Planned, outcome: Result<Vec<Sample>, String>) -> Row {
    let info = &inputs
        .corpora
        .iter()
        .find(|c| c.profile() == planned.profile)
        .expect("every job belongs to a corpus")
        .info;
    let (figures, failed) = match outcome {
        Ok(samples) => (
            Some(Figures::new(&samples, info.tar_bytes, info.messages)),
            None,
        ),
        Err(failure) => (None, Some(failure)),
    };
    Row {
        command: planned.job.display(),
        name: planned.job.name,
        profile: planned.profile.to_owned(),
        run: planned.run,
        baseline: format!("{}/{}", planned.profile, planned.baseline),
        figures,
        failed,
    }
}

/// What each profile's scrub manifests say about the planted subjects,
/// beside what the corpus planted.
fn detections(inputs: &Inputs, rows: &[Row], out: &Path) -> Vec<Detection> {
    let mut all = Vec::new();
    for corpus in &inputs.corpora {
        for name in request::NAMES {
            let scrubbed = rows.iter().any(|r| {
                r.profile == corpus.profile()
                    && r.run == format!("scrub-{name}")
                    && r.figures.is_some()
            });
            if !scrubbed {
                continue;
            }
            let manifest = out
                .join("runs")
                .join(corpus.profile())
                .join(format!("scrub-{name}.tar.zst.manifest.json"));
            all.push(Detection::read(&corpus.info, name, &manifest));
        }
    }
    all
}

/// Writes `results-<unix time>.json` under the output directory.
fn save(
    args: &Args,
    inputs: &Inputs,
    rows: &[Row],
    detections: &[Detection],
    out: &Path,
) -> Result<(), String> {
    let unix_time = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let built = args.mailscrub == Path::new(MAILSCRUB);
    let results = report::Results {
        unix_time,
        runs_per_measurement: args.runs,
        machine: report::Machine::probe(built.then(|| Path::new(env!("CARGO_MANIFEST_DIR")))),
        mailscrub: &args.mailscrub,
        corpora: inputs.corpora.iter().map(|c| &c.info).collect(),
        rows,
        detections,
    };
    let path = out.join(format!("results-{unix_time}.json"));
    let json = serde_json::to_vec_pretty(&results).map_err(|e| e.to_string())?;
    std::fs::write(&path, json).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("\nresults: {}", path.display());
    Ok(())
}
