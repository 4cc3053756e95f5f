//! Keyspace notifications (`notify-keyspace-events`), Redis `notifyKeyspaceEvent`.
//!
//! Every write handler reports what it did with [`crate::cmd::Ctx::notify`] (class, event
//! name, key), right after the mutation and before its reply, in the order Redis does. The
//! event is published on `__keyspace@<db>__:<key>` (message: the event) and/or
//! `__keyevent@<db>__:<event>` (message: the key) when the configured flags select its
//! class. Lookups report `expired` (lazy expiry) and `keymiss` themselves.

use crate::client::Client;
pub use crate::config::KeyspaceEvents as Class;
use crate::core::Core;
use crate::pubsub::{self, Kind};

impl Core {
    /// Publishes one keyspace event if `notify-keyspace-events` selects `class`. For events
    /// outside a command (the loop, cron); commands use [`Core::notify_from`].
    pub fn notify(&mut self, class: u32, event: &str, key: &[u8], db: usize) {
        self.notify_in(None, class, event, key, db);
    }

    /// As [`Core::notify`], from a command run by `me` (which may itself be subscribed, in
    /// RESP3, and then gets the event before the command's reply, as in Redis).
    pub fn notify_from(&mut self, me: &mut Client, class: u32, event: &str, key: &[u8], db: usize) {
        self.notify_in(Some(me), class, event, key, db);
    }

    fn notify_in(
        &mut self,
        mut me: Option<&mut Client>,
        class: u32,
        event: &str,
        key: &[u8],
        db: usize,
    ) {
        let flags = self.config.notify_keyspace_events.0;
        if flags & class == 0 {
            return;
        }
        // Keys that expired earlier in this command are reported first, as Redis does.
        self.flush_expired_in(me.as_deref_mut());
        if flags & Class::KEYSPACE != 0 {
            let mut chan = format!("__keyspace@{db}__:").into_bytes();
            chan.extend_from_slice(key);
            pubsub::publish(
                self,
                me.as_deref_mut(),
                Kind::Global,
                &chan,
                event.as_bytes(),
            );
        }
        if flags & Class::KEYEVENT != 0 {
            let chan = format!("__keyevent@{db}__:{event}").into_bytes();
            pubsub::publish(self, me, Kind::Global, &chan, key);
        }
    }
}

impl Core {
    /// Reports the keys deleted because they expired (lazily by a lookup, or by the active
    /// cycle) since the last call: the `expired` event (Redis `deleteExpiredKeyAndPropagate`),
    /// WATCH invalidation and `INFO stats` `expired_keys`. Called after every command, after
    /// each active expiry pass, and before any other event is published.
    pub fn flush_expired(&mut self) {
        self.flush_expired_in(None);
    }

    /// [`Core::flush_expired`] from a command run by `me` (see [`Core::notify_from`]).
    pub fn flush_expired_in(&mut self, mut me: Option<&mut Client>) {
        for db in 0..self.dbs.len() {
            if self.dbs[db].expired_log.is_empty() {
                continue;
            }
            let keys = std::mem::take(&mut self.dbs[db].expired_log);
            for k in &keys {
                self.stats.expired_keys += 1;
                self.key_modified(db, k);
                self.notify_in(me.as_deref_mut(), Class::EXPIRED, "expired", k, db);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::db::keyspace::Db;
    use crate::types::value::{Str, Value};
    use rand::SeedableRng;

    /// The active expiry cycle learns every key it deletes (it publishes `expired` for each).
    #[test]
    fn expire_sample_reports_deleted_keys() {
        let mut db = Db::new(0);
        for k in [&b"a"[..], b"b", b"c", b"live"] {
            db.set(k, Value::Str(Str::from_bytes(b"v")), false, 0);
        }
        for k in [&b"a"[..], b"b", b"c"] {
            db.set_expire(k, 100);
        }
        db.set_expire(b"live", 10_000);
        let mut rng = rand::rngs::SmallRng::seed_from_u64(1);
        let mut seen: Vec<Vec<u8>> = Vec::new();
        let (_, expired) = db.expire_sample_with(20, 1_000, &mut rng, |k| seen.push(k.to_vec()));
        seen.sort();
        assert_eq!(expired, 3);
        assert_eq!(seen, vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]);
    }
}
