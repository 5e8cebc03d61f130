//! Benchmark harness for mailscrub: generates a deterministic mail-backup
//! corpus and measures scan, scrub and verify against a plain
//! decompress-recompress copy, each as a child process under GNU time.
//! See docs/benchmarks.md; run with `cargo bench --bench harness -- --size 1G`.

#[path = "harness/args.rs"]
mod args;
#[path = "harness/corpus.rs"]
mod corpus;
#[path = "harness/date.rs"]
mod date;
#[path = "harness/encode.rs"]
mod encode;
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

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;

use args::Args;
use measure::{Job, Sample};
use report::{Figures, Row};

/// The binary under test, built by cargo (release profile) before the
/// benchmark runs; `--mailscrub` can point elsewhere.
const MAILSCRUB: &str = env!("CARGO_BIN_EXE_mailscrub");

/// The inputs every run reads.
struct Inputs {
    corpus: corpus::Info,
    zst: PathBuf,
    gz: Option<PathBuf>,
    request_1: PathBuf,
    request_10k: PathBuf,
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
    std::fs::create_dir_all(args.out.join("runs"))
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    let out = std::path::absolute(&args.out).map_err(|e| e.to_string())?;
    let inputs = prepare(args, &out).map_err(|e| format!("generating the corpus: {e}"))?;
    if args.generate_only {
        return Ok(());
    }
    warm_cache(&inputs.zst);
    let jobs = jobs(args, &inputs, &out);
    let outcomes = measure_rounds(&jobs, args.runs, &out.join("runs"));
    let mut rows: Vec<Row> = jobs
        .into_iter()
        .zip(outcomes)
        .map(|((job, base), outcome)| row(&inputs, job, base, outcome))
        .collect();
    report::compare(&mut rows);
    report::print(&rows, &inputs.corpus);
    save(args, &inputs, &rows, &out)
}

/// Generates (or with `--keep`, reuses) the corpus and writes the requests.
fn prepare(args: &Args, out: &Path) -> std::io::Result<Inputs> {
    let spec = corpus::Spec {
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
    println!(
        "corpus: {} members, {} messages, {} affected, largest message {} bytes ({:.2} MiB)",
        info.members,
        info.messages,
        info.affected,
        info.largest_message,
        info.largest_message as f64 / f64::from(1 << 20)
    );
    let gz = args.gzip.then(|| gzip_copy(&zst, args.keep)).transpose()?;
    let (request_1, request_10k) = request::write(out, args.seed)?;
    Ok(Inputs {
        corpus: info,
        zst,
        gz,
        request_1,
        request_10k,
    })
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

/// The selected runs, each with the name of the baseline it is compared with.
fn jobs(args: &Args, inputs: &Inputs, out: &Path) -> Vec<(Job, &'static str)> {
    let runs = out.join("runs");
    let (zst, r1, r10k) = (&inputs.zst, &inputs.request_1, &inputs.request_10k);
    let scrubbed = runs.join("scrub-1.tar.zst");
    let manifest = runs.join("scrub-1.tar.zst.manifest.json");
    let tool = |name: &str, words: &[&dyn AsRef<OsStr>], output: Option<PathBuf>| {
        let argv =
            std::iter::once(args.mailscrub.as_os_str()).chain(words.iter().map(|w| w.as_ref()));
        Job {
            name: name.to_owned(),
            argv: argv.map(OsString::from).collect(),
            output,
        }
    };
    let scrub = |name: &str, request: &Path, input: &Path, output: PathBuf| {
        tool(
            name,
            &[&"scrub", &"--subjects", &request, &input, &"-o", &output],
            Some(output.clone()),
        )
    };
    let mut all = vec![
        (
            copy("baseline", ZSTD_COPY, zst, runs.join("baseline.tar.zst")),
            "baseline",
        ),
        (
            tool("scan-1", &[&"scan", &"--subjects", r1, zst], None),
            "baseline",
        ),
        (
            tool("scan-10k", &[&"scan", &"--subjects", r10k, zst], None),
            "baseline",
        ),
        (scrub("scrub-1", r1, zst, scrubbed.clone()), "baseline"),
        (
            scrub("scrub-10k", r10k, zst, runs.join("scrub-10k.tar.zst")),
            "baseline",
        ),
        (
            tool(
                "verify-1",
                &[
                    &"verify",
                    &scrubbed,
                    &"--manifest",
                    &manifest,
                    &"--subjects",
                    r1,
                ],
                None,
            ),
            "baseline",
        ),
    ];
    if let Some(gz) = &inputs.gz {
        all.push((
            copy("baseline-gz", GZIP_COPY, gz, runs.join("baseline.tar.gz")),
            "baseline-gz",
        ));
        all.push((
            scrub("scrub-1-gz", r1, gz, runs.join("scrub-1.tar.gz")),
            "baseline-gz",
        ));
    }
    all.retain(|(job, _)| selected(args, &job.name));
    all
}

/// Whether `--only` selects the run `name` (baselines always run).
fn selected(args: &Args, name: &str) -> bool {
    let family = name.split('-').next().unwrap_or(name);
    args.only.is_empty()
        || family == "baseline"
        || args.only.iter().any(|o| o == name || o == family)
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
fn measure_rounds(
    jobs: &[(Job, &str)],
    runs: u32,
    logs: &Path,
) -> Vec<Result<Vec<Sample>, String>> {
    let mut outcomes: Vec<Result<Vec<Sample>, String>> =
        jobs.iter().map(|_| Ok(Vec::new())).collect();
    for round in 1..=runs {
        for ((job, _), outcome) in jobs.iter().zip(&mut outcomes) {
            let Ok(samples) = outcome else { continue };
            println!("[{round}/{runs}] {:<12} {}", job.name, job.display());
            match measure::once(job, logs) {
                Ok(sample) => samples.push(sample),
                Err(failure) => *outcome = Err(failure),
            }
        }
    }
    outcomes
}

/// The report row of one job.
fn row(inputs: &Inputs, job: Job, baseline: &str, outcome: Result<Vec<Sample>, String>) -> Row {
    let (figures, failed) = match outcome {
        Ok(samples) => (Some(Figures::new(&samples, inputs.corpus.tar_bytes)), None),
        Err(failure) => (None, Some(failure)),
    };
    Row {
        command: job.display(),
        name: job.name,
        baseline: baseline.to_owned(),
        figures,
        failed,
    }
}

/// Writes `results-<unix time>.json` under the output directory.
fn save(args: &Args, inputs: &Inputs, rows: &[Row], out: &Path) -> Result<(), String> {
    let unix_time = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let built = args.mailscrub == Path::new(MAILSCRUB);
    let results = report::Results {
        unix_time,
        runs_per_measurement: args.runs,
        machine: report::Machine::probe(built.then(|| Path::new(env!("CARGO_MANIFEST_DIR")))),
        mailscrub: &args.mailscrub,
        corpus: &inputs.corpus,
        rows,
    };
    let path = out.join(format!("results-{unix_time}.json"));
    let json = serde_json::to_vec_pretty(&results).map_err(|e| e.to_string())?;
    std::fs::write(&path, json).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("\nresults: {}", path.display());
    Ok(())
}
