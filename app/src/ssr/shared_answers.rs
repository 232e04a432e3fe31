//! Answers many viewers share, computed once per change. When a ticket changes, every open
//! dashboard asks again at the same moment; the first request computes the answer, the others
//! wait for it, and later requests get it until the next change reaches this process's live hub —
//! or until it is [`MAX_AGE`] old, since some figures move with time alone (a period's end, the
//! instant shown "as of").

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

/// The oldest an answer is given again.
pub const MAX_AGE: Duration = Duration::from_secs(10);

/// Answers of any type by key, each valid for one generation of the live hub's changes.
#[derive(Default)]
pub struct SharedAnswers {
    entries: Mutex<HashMap<(TypeId, String), Entry>>,
}

type Answer = Arc<OnceCell<Arc<dyn Any + Send + Sync>>>;

struct Entry {
    generation: u64,
    started: Instant,
    answer: Answer,
}

impl SharedAnswers {
    /// The answer of type `T` for `key` at `generation` (read before the work starts, so a
    /// change committed meanwhile makes the next request compute again): the one computed or
    /// being computed, else what `compute` gives. An error is not kept; the next request tries
    /// again.
    pub async fn get_or_compute<T: Clone + Send + Sync + 'static, E>(
        &self,
        key: String,
        generation: u64,
        compute: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        let answer = {
            let mut entries = self.entries.lock().expect("the shared answers' lock");
            let fresh = |entry: &Entry| entry.generation == generation && entry.started.elapsed() < MAX_AGE;
            let key = (TypeId::of::<T>(), key);
            match entries.get(&key).filter(|entry| fresh(entry)) {
                Some(entry) => entry.answer.clone(),
                None => {
                    // Nothing stale is kept: the map holds at most one answer per key asked lately.
                    entries.retain(|_, entry| fresh(entry));
                    let answer = Answer::default();
                    entries
                        .insert(key, Entry { generation, started: Instant::now(), answer: answer.clone() });
                    answer
                }
            }
        };
        let computed = answer
            .get_or_try_init(|| async {
                compute.await.map(|value| Arc::new(value) as Arc<dyn Any + Send + Sync>)
            })
            .await?;
        Ok(computed.downcast_ref::<T>().expect("keyed by its type").clone())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn concurrent_askers_share_one_computation_until_the_generation_changes() {
        let answers = Arc::new(SharedAnswers::default());
        let computed = Arc::new(AtomicUsize::new(0));
        let ask = |key: &'static str, generation: u64| {
            let (answers, computed) = (answers.clone(), computed.clone());
            async move {
                let compute = async {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    Ok::<_, ()>(computed.fetch_add(1, Ordering::SeqCst) + 1)
                };
                answers.get_or_compute(key.into(), generation, compute).await
            }
        };
        let asking: Vec<_> = (0..20).map(|_| tokio::spawn(ask("board", 7))).collect();
        for asked in asking {
            assert_eq!(asked.await.expect("asked"), Ok(1));
        }
        assert_eq!(ask("board", 7).await, Ok(1), "given again while nothing changed");
        assert_eq!(ask("other", 7).await, Ok(2), "another key");
        assert_eq!(ask("board", 8).await, Ok(3), "a change came");
        assert_eq!(computed.load(Ordering::SeqCst), 3);
        // Another type under the same key is another answer.
        assert_eq!(
            answers.get_or_compute("board".into(), 8, async { Ok::<_, ()>("text") }).await,
            Ok("text")
        );
    }

    #[tokio::test]
    async fn an_error_is_not_kept() {
        let answers = SharedAnswers::default();
        assert_eq!(
            answers.get_or_compute::<u8, _>("board".into(), 1, async { Err("busy") }).await,
            Err("busy")
        );
        assert_eq!(answers.get_or_compute("board".into(), 1, async { Ok::<_, &str>(5) }).await, Ok(5));
    }
}
