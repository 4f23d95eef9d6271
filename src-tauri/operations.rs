//! Network operations the UI can cancel: each runs under an ID the frontend
//! chooses; `cancel(id)` drops the work, which closes its connections.

use crate::error::{CommandError, ErrorKind};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use tokio::sync::oneshot;

#[derive(Default)]
pub struct Operations(Mutex<HashMap<u32, oneshot::Sender<()>>>);

impl Operations {
    pub async fn run<T>(
        &self,
        id: u32,
        work: impl Future<Output = Result<T, CommandError>>,
    ) -> Result<T, CommandError> {
        let (cancel, cancelled) = oneshot::channel();
        {
            let mut running = self.0.lock().unwrap_or_else(|e| e.into_inner());
            if running.contains_key(&id) {
                return Err(CommandError::new(ErrorKind::Busy, "this operation is already running"));
            }
            running.insert(id, cancel);
        }
        let result = tokio::select! {
            result = work => result,
            _ = cancelled => Err(CommandError::new(ErrorKind::Cancelled, "cancelled")),
        };
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
        result
    }

    pub fn cancel(&self, id: u32) -> bool {
        match self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(&id) {
            Some(cancel) => cancel.send(()).is_ok(),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn cancel_stops_the_work() {
        let ops = std::sync::Arc::new(Operations::default());
        let running = {
            let ops = ops.clone();
            tokio::spawn(async move {
                ops.run(7, async {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    Ok(())
                })
                .await
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        let busy = ops.run(7, async { Ok(()) }).await.unwrap_err();
        assert_eq!(busy.kind, ErrorKind::Busy);
        assert!(ops.cancel(7));
        let err = tokio::time::timeout(Duration::from_secs(5), running).await.unwrap().unwrap().unwrap_err();
        assert_eq!(err.kind, ErrorKind::Cancelled);
        assert!(!ops.cancel(7), "nothing left to cancel");
        assert_eq!(ops.run(7, async { Ok(1) }).await.unwrap(), 1, "the ID is free again");
    }
}
