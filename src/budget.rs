//! A memory budget shared by concurrent scans. Each scan reserves the working memory its image
//! will need ([`crate::Detector::memory_estimate`], from the sizes the file declares) before it
//! decodes, and gives it back when done; scans that do not fit wait their turn, in arrival
//! order, up to a deadline. A scan larger than the whole budget reserves all of it, so it runs
//! alone. The service (`stegodetect serve`) uses one for all requests, so concurrent large or
//! hostile images cannot add up to more memory than the budget.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// A budget of bytes shared by concurrent work (see the module documentation).
#[derive(Debug)]
pub struct MemoryBudget {
    total: u64,
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct State {
    in_use: u64,
    /// Tickets of the waiting reservations, oldest first: only the oldest may take memory, so a
    /// large reservation is not starved by a stream of small ones.
    queue: VecDeque<u64>,
    next_ticket: u64,
}

/// Memory held from a [`MemoryBudget`]; given back when dropped.
#[derive(Debug)]
pub struct Reservation {
    budget: Arc<MemoryBudget>,
    bytes: u64,
}

impl Reservation {
    /// Bytes held (the request, or the whole budget when the request was larger).
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let mut s = self.budget.lock();
        s.in_use -= self.bytes;
        drop(s);
        self.budget.changed.notify_all();
    }
}

impl MemoryBudget {
    /// A budget of `total_bytes` (at least 1).
    pub fn new(total_bytes: u64) -> Arc<Self> {
        Arc::new(MemoryBudget {
            total: total_bytes.max(1),
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
        })
    }

    /// The budget's size in bytes.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Bytes reserved now.
    pub fn in_use(&self) -> u64 {
        self.lock().in_use
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reserve `bytes` (capped at the whole budget), waiting at most `wait` for earlier
    /// reservations to be given back. `None` when the wait ran out.
    pub fn reserve(self: &Arc<Self>, bytes: u64, wait: Duration) -> Option<Reservation> {
        let need = bytes.min(self.total);
        let deadline = Instant::now() + wait;
        let mut s = self.lock();
        let ticket = s.next_ticket;
        s.next_ticket += 1;
        s.queue.push_back(ticket);
        loop {
            if s.queue.front() == Some(&ticket) && s.in_use + need <= self.total {
                s.queue.pop_front();
                s.in_use += need;
                drop(s);
                // the next in line may fit too
                self.changed.notify_all();
                return Some(Reservation {
                    budget: self.clone(),
                    bytes: need,
                });
            }
            let now = Instant::now();
            if now >= deadline {
                s.queue.retain(|t| *t != ticket);
                drop(s);
                self.changed.notify_all();
                return None;
            }
            s = self
                .changed
                .wait_timeout(s, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_add_up_to_the_budget_and_are_given_back() {
        let b = MemoryBudget::new(100);
        let a = b.reserve(60, Duration::ZERO).unwrap();
        assert_eq!(b.in_use(), 60);
        assert!(b.reserve(50, Duration::from_millis(20)).is_none());
        let c = b.reserve(40, Duration::ZERO).unwrap();
        assert_eq!(b.in_use(), 100);
        drop(a);
        drop(c);
        assert_eq!(b.in_use(), 0);
        // larger than the whole budget: all of it, alone
        let big = b.reserve(1000, Duration::ZERO).unwrap();
        assert_eq!(big.bytes(), 100);
        assert!(b.reserve(1, Duration::ZERO).is_none());
    }

    #[test]
    fn a_waiting_reservation_gets_memory_when_it_is_given_back() {
        let b = MemoryBudget::new(100);
        let held = b.reserve(100, Duration::ZERO).unwrap();
        let b2 = b.clone();
        let waiter =
            std::thread::spawn(move || b2.reserve(80, Duration::from_secs(600)).map(|r| r.bytes()));
        // the waiter cannot proceed while the budget is full; give it back
        while b.lock().queue.is_empty() {
            std::thread::yield_now();
        }
        drop(held);
        assert_eq!(waiter.join().unwrap(), Some(80));
        assert_eq!(b.in_use(), 0);
    }
}
