//! The connections a scrape endpoint handles, and their states: which of them a newcomer may
//! displace when all are taken.

use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

/// Where a connection is. Its thread moves it on; the accepting thread closes it when it may
/// be displaced (`Head`, `Draining`) or at stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum ConnState {
    /// Reading its request head: may be displaced.
    Head = 0,
    /// Its whole request head had arrived when it was accepted: left alone, it is answered next.
    Ready = 1,
    /// Being answered: left alone.
    Busy = 2,
    /// Answered, draining what the client still sends: may be displaced.
    Draining = 3,
    /// Displaced, or cut at stop: its socket is shut down and its thread is leaving.
    Closed = 4,
}

impl ConnState {
    /// The state stored as `v`. Only `ConnState as u8` is ever stored; anything else would
    /// read as `Closed`, the state nothing acts on.
    fn from_u8(v: u8) -> Self {
        match v {
            0 => ConnState::Head,
            1 => ConnState::Ready,
            2 => ConnState::Busy,
            3 => ConnState::Draining,
            _ => ConnState::Closed,
        }
    }
}

/// How many times [`Conns::admit`] waits a millisecond for displaced connections to close
/// (or answers being written to finish).
const ADMIT_TRIES: u32 = 20;

/// One accepted connection, as the accepting thread sees it.
pub(super) struct Conn {
    /// A handle on the socket, to shut it down from the accepting thread.
    stream: TcpStream,
    accepted: Instant,
    /// A [`ConnState`].
    state: AtomicU8,
}

impl Conn {
    /// A connection accepted at `accepted`, in `state`; `stream` is a handle on its socket.
    pub(super) fn new(stream: TcpStream, accepted: Instant, state: ConnState) -> Self {
        Conn {
            stream,
            accepted,
            state: AtomicU8::new(state as u8),
        }
    }

    /// When it was accepted.
    pub(super) fn accepted(&self) -> Instant {
        self.accepted
    }

    pub(super) fn state(&self) -> ConnState {
        ConnState::from_u8(self.state.load(Ordering::Acquire))
    }

    /// Moves from `from` to `to`; false if the connection was elsewhere (closed, say).
    pub(super) fn advance(&self, from: ConnState, to: ConnState) -> bool {
        self.state
            .compare_exchange(from as u8, to as u8, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Shuts the socket down if the connection is in state `from`, which wakes its thread.
    fn close_if(&self, from: ConnState) -> bool {
        let closed = self.advance(from, ConnState::Closed);
        if closed {
            let _ = self.stream.shutdown(Shutdown::Both);
        }
        closed
    }
}

/// The connections being handled.
pub(super) struct Conns {
    max: usize,
    list: Mutex<Vec<Arc<Conn>>>,
}

impl Conns {
    /// At most `max` connections at once (0 counts as 1).
    pub(super) fn new(max: usize) -> Self {
        Conns {
            max: max.max(1),
            list: Mutex::new(Vec::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Arc<Conn>>> {
        self.list.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes `conn` in, displacing another if all `max` are taken; `None` if none could be.
    /// The connection stays in until the returned [`Leave`] is dropped.
    pub(super) fn admit(self: &Arc<Self>, conn: &Arc<Conn>) -> Option<Leave> {
        for _ in 0..ADMIT_TRIES {
            {
                let mut list = self.lock();
                // Displaced connections still closing count here, so threads stay bounded.
                if list.len() < self.max.saturating_mul(2) {
                    let live = list
                        .iter()
                        .filter(|c| c.state() != ConnState::Closed)
                        .count();
                    if live < self.max || displace_one(&list) {
                        list.push(Arc::clone(conn));
                        return Some(Leave {
                            conns: Arc::clone(self),
                            conn: Arc::clone(conn),
                        });
                    }
                    // Every place is taken by an answer being written: one that has just
                    // been written moves on to draining (displaceable) within moments, and
                    // the accepting thread, which no longer polls, may see the next client
                    // before that. Wait for it as for displaced connections.
                    if !list.iter().any(|c| c.state() == ConnState::Busy) {
                        return None;
                    }
                }
            }
            // A burst displaced many at once, or answers are finishing: give their threads a
            // moment.
            thread::sleep(Duration::from_millis(1));
        }
        None
    }

    fn leave(&self, conn: &Arc<Conn>) {
        self.lock().retain(|c| !Arc::ptr_eq(c, conn));
    }

    /// Closes every connection not being answered.
    pub(super) fn close_waiting(&self) {
        for c in self.lock().iter() {
            let _ = c.close_if(ConnState::Head) || c.close_if(ConnState::Draining);
        }
    }
}

/// Closes one connection that is not being answered: one already answered if any, else the one
/// that has waited longest for its request head.
fn displace_one(list: &[Arc<Conn>]) -> bool {
    for state in [ConnState::Draining, ConnState::Head] {
        let mut candidates: Vec<&Arc<Conn>> = list.iter().filter(|c| c.state() == state).collect();
        candidates.sort_by_key(|c| c.accepted);
        // A candidate may move on meanwhile (its head arrived): then take the next.
        if candidates.into_iter().any(|c| c.close_if(state)) {
            return true;
        }
    }
    false
}

/// Takes a connection out of [`Conns`] when its thread ends, even by a panic.
pub(super) struct Leave {
    conns: Arc<Conns>,
    conn: Arc<Conn>,
}

impl Drop for Leave {
    fn drop(&mut self) {
        self.conns.leave(&self.conn);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn states_round_trip_through_their_byte() {
        use ConnState::*;
        for s in [Head, Ready, Busy, Draining, Closed] {
            assert_eq!(ConnState::from_u8(s as u8), s);
        }
        assert_eq!(ConnState::from_u8(200), Closed);
    }

    #[test]
    fn a_newcomer_displaces_the_longest_waiting_head_never_one_being_answered() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let mut clients = Vec::new();
        let mut conn = |state| {
            clients.push(TcpStream::connect(addr).unwrap());
            let (stream, _) = listener.accept().unwrap();
            Arc::new(Conn::new(stream, Instant::now(), state))
        };
        let conns = Arc::new(Conns::new(2));
        let waiting = conn(ConnState::Head);
        let busy = conn(ConnState::Busy);
        let _w = conns.admit(&waiting).unwrap();
        let _b = conns.admit(&busy).unwrap();
        let newcomer = conn(ConnState::Ready);
        let n = conns.admit(&newcomer).unwrap();
        assert_eq!(waiting.state(), ConnState::Closed);
        assert_eq!(busy.state(), ConnState::Busy);
        // Only connections being answered are left: the next one is refused.
        assert!(newcomer.advance(ConnState::Ready, ConnState::Busy));
        assert!(conns.admit(&conn(ConnState::Head)).is_none());
        drop(n);
        assert_eq!(conns.lock().len(), 2); // `waiting` (closed) and `busy`
        conns.close_waiting();
        assert_eq!(busy.state(), ConnState::Busy);
    }
}
