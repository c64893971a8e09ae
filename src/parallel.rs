//! Order-keeping parallel map over a slice, on the machine's cores (std scoped threads). For the
//! bulk work of a roster import: parsing and serialising hundreds of megabytes of records, either
//! all at once ([`map`]) or streamed to a consumer that works while the rest is parsed
//! ([`stream`]).

/// `items.iter().map(f).collect()`, with the work split in one contiguous chunk per core; the
/// result is in the order of `items`.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = items.len().div_ceil(threads).max(1);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// Chunks a worker may have finished ahead of the consumer (bounds the memory in flight).
const AHEAD: usize = 2;

/// Like [`map`], but the results reach `consume` (on the calling thread) while the workers are
/// still mapping: `items` is cut into chunks of `chunk`, worker `t` of `n` maps chunks `t`,
/// `t + n`, ..., and the iterator hands the results over in the order of `items`. A consumer that
/// stops early (an error) stops the workers after the chunk each is on. A worker's panic comes out
/// of the iterator rather than an early end, so a consumer never takes it for the end of the input.
pub fn stream<T: Sync, R: Send, X>(
    items: &[T],
    chunk: usize,
    f: impl Fn(&T) -> R + Sync,
    consume: impl FnOnce(Ordered<'_, R>) -> X,
) -> X {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunks: Vec<&[T]> = items.chunks(chunk.max(1)).collect();
    let workers = threads.min(chunks.len()).max(1);
    let (chunks, f) = (&chunks, &f);
    std::thread::scope(|scope| {
        let workers = (0..workers)
            .map(|t| {
                let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<R>>(AHEAD);
                let handle = scope.spawn(move || {
                    for part in chunks.iter().skip(t).step_by(workers) {
                        if tx.send(part.iter().map(f).collect()).is_err() {
                            return;
                        }
                    }
                });
                (rx, Some(handle))
            })
            .collect();
        consume(Ordered {
            workers,
            chunks: chunks.len(),
            next: 0,
            current: Vec::new().into_iter(),
        })
    })
}

/// A worker of [`stream`]: where its chunks arrive, and the thread (to pass a panic on).
type Worker<'scope, R> = (
    std::sync::mpsc::Receiver<Vec<R>>,
    Option<std::thread::ScopedJoinHandle<'scope, ()>>,
);

/// The results of [`stream`], in input order.
pub struct Ordered<'scope, R> {
    workers: Vec<Worker<'scope, R>>,
    chunks: usize,
    next: usize,
    current: std::vec::IntoIter<R>,
}

impl<R> Iterator for Ordered<'_, R> {
    type Item = R;

    fn next(&mut self) -> Option<R> {
        loop {
            if let Some(item) = self.current.next() {
                return Some(item);
            }
            if self.next == self.chunks {
                return None;
            }
            let n = self.workers.len();
            let (receiver, handle) = &mut self.workers[self.next % n];
            match receiver.recv() {
                Ok(part) => self.current = part.into_iter(),
                // The worker is gone without its chunk: it panicked; pass its panic on.
                Err(_) => match handle.take().map(|h| h.join()) {
                    Some(Err(panic)) => std::panic::resume_unwind(panic),
                    // A worker's channel closes only when its thread ends, and it ends after
                    // its last chunk or by a panic: reaching this is a bug in `stream`, and the
                    // caller's iteration must not silently come up short.
                    #[allow(clippy::panic)]
                    _ => panic!("a parallel worker stopped before chunk {}", self.next),
                },
            }
            self.next += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_order_and_handles_small_inputs() {
        let items: Vec<u32> = (0..1001).collect();
        assert_eq!(
            super::map(&items, |x| x * 2),
            items.iter().map(|x| x * 2).collect::<Vec<_>>()
        );
        assert!(super::map(&[] as &[u32], |x| *x).is_empty());
        assert_eq!(super::map(&[7], |x| x + 1), [8]);
    }

    #[test]
    fn stream_keeps_order_and_can_stop_early() {
        let items: Vec<u32> = (0..10_007).collect();
        for chunk in [1, 7, 256, 20_000] {
            let out: Vec<u32> = super::stream(&items, chunk, |x| x * 3, |it| it.collect());
            assert_eq!(out, items.iter().map(|x| x * 3).collect::<Vec<_>>());
        }
        let first: Vec<u32> = super::stream(&items, 10, |x| *x, |it| it.take(25).collect());
        assert_eq!(first, (0..25).collect::<Vec<_>>());
        assert_eq!(super::stream(&[] as &[u32], 10, |x| *x, |it| it.count()), 0);
    }

    #[test]
    #[should_panic(expected = "panicked on 5000")]
    fn a_panicking_worker_is_not_the_end_of_the_stream() {
        let items: Vec<u32> = (0..10_000).collect();
        super::stream(
            &items,
            100,
            |x| {
                assert_ne!(*x, 5_000, "panicked on 5000");
                *x
            },
            |it| it.count(),
        );
    }
}
