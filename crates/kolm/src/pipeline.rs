//! Runs block jobs on worker threads and hands their results back in submission order.
//!
//! With one thread the job runs on the caller's thread when submitted, so `-T1` does no
//! thread work at all. With more, a fixed set of workers takes jobs from a queue and the
//! caller collects results in the order it submitted them; it decides how many jobs to
//! keep in flight, which bounds memory. A job that panics re-raises its panic in the caller.

use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

type Job<T> = Box<dyn FnOnce() -> T + Send>;
type Outcome<T> = std::thread::Result<T>;

pub(crate) struct Pipeline<T: Send + 'static> {
    mode: Mode<T>,
    submitted: u64,
    delivered: u64,
}

enum Mode<T> {
    Inline(std::collections::VecDeque<T>),
    Workers {
        jobs: Option<Sender<(u64, Job<T>)>>,
        results: Receiver<(u64, Outcome<T>)>,
        waiting: BTreeMap<u64, Outcome<T>>,
        workers: Vec<JoinHandle<()>>,
    },
}

impl<T: Send + 'static> Pipeline<T> {
    /// A pipeline running jobs on `threads` threads (1 means the caller's own).
    pub(crate) fn new(threads: usize) -> Self {
        let mode = if threads <= 1 {
            Mode::Inline(Default::default())
        } else {
            let (job_sender, job_receiver) = mpsc::channel::<(u64, Job<T>)>();
            let (result_sender, results) = mpsc::channel();
            let job_receiver = Arc::new(Mutex::new(job_receiver));
            let workers = (0..threads)
                .map(|_| {
                    let jobs = Arc::clone(&job_receiver);
                    let results = result_sender.clone();
                    std::thread::spawn(move || {
                        loop {
                            let next = jobs.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).recv();
                            let Ok((index, job)) = next else { return };
                            let outcome = panic::catch_unwind(AssertUnwindSafe(job));
                            if results.send((index, outcome)).is_err() {
                                return;
                            }
                        }
                    })
                })
                .collect();
            Mode::Workers { jobs: Some(job_sender), results, waiting: BTreeMap::new(), workers }
        };
        Pipeline { mode, submitted: 0, delivered: 0 }
    }

    /// Jobs submitted whose results have not been taken yet.
    pub(crate) fn in_flight(&self) -> usize {
        (self.submitted - self.delivered) as usize
    }

    pub(crate) fn submit(&mut self, job: impl FnOnce() -> T + Send + 'static) {
        match &mut self.mode {
            Mode::Inline(ready) => ready.push_back(job()),
            Mode::Workers { jobs, .. } => {
                let sender = jobs.as_ref().expect("open until drop");
                sender.send((self.submitted, Box::new(job))).expect("workers live as long as the pipeline");
            }
        }
        self.submitted += 1;
    }

    /// The result of the oldest job not yet taken, waiting for it if needed; `None` when
    /// nothing is in flight.
    pub(crate) fn next(&mut self) -> Option<T> {
        if self.in_flight() == 0 {
            return None;
        }
        let result = match &mut self.mode {
            Mode::Inline(ready) => ready.pop_front().expect("inline jobs finish when submitted"),
            Mode::Workers { results, waiting, .. } => {
                let outcome = loop {
                    if let Some(outcome) = waiting.remove(&self.delivered) {
                        break outcome;
                    }
                    let (index, outcome) = results.recv().expect("a worker is running the job");
                    waiting.insert(index, outcome);
                };
                outcome.unwrap_or_else(|payload| panic::resume_unwind(payload))
            }
        };
        self.delivered += 1;
        Some(result)
    }
}

impl<T: Send + 'static> Drop for Pipeline<T> {
    fn drop(&mut self) {
        if let Mode::Workers { jobs, workers, .. } = &mut self.mode {
            // Closing the queue ends each worker after its current job.
            drop(jobs.take());
            for worker in workers.drain(..) {
                let _ = worker.join();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_submission_order() {
        for threads in [1, 2, 4] {
            let mut pipeline = Pipeline::new(threads);
            for i in 0..20u64 {
                // Later jobs finish sooner, to exercise the reordering.
                pipeline.submit(move || {
                    std::thread::sleep(std::time::Duration::from_millis(20 - i));
                    i * i
                });
            }
            assert_eq!(pipeline.in_flight(), 20);
            let results: Vec<u64> = std::iter::from_fn(|| pipeline.next()).collect();
            assert_eq!(results, (0..20).map(|i| i * i).collect::<Vec<_>>(), "{threads} threads");
        }
    }

    #[test]
    fn a_panicking_job_panics_the_caller() {
        let mut pipeline: Pipeline<u32> = Pipeline::new(2);
        pipeline.submit(|| panic!("job failed"));
        let caught = panic::catch_unwind(AssertUnwindSafe(|| pipeline.next()));
        assert!(caught.is_err());
    }
}
