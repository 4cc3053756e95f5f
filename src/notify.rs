//! Keyspace notifications (`notify-keyspace-events`), Redis `notifyKeyspaceEvent`.
//!
//! Every write handler reports what it did with [`crate::cmd::Ctx::notify`] (class, event
//! name, key), right after the mutation and in the order Redis does. The event is published
//! on `__keyspace@<db>__:<key>` (message: the event) and/or `__keyevent@<db>__:<event>`
//! (message: the key) when the configured flags select its class.

pub use crate::config::KeyspaceEvents as Class;
use crate::core::Core;

impl Core {
    /// Publishes one keyspace event if `notify-keyspace-events` selects `class`.
    pub fn notify(&mut self, class: u32, event: &str, key: &[u8], db: usize) {
        let flags = self.config.notify_keyspace_events.0;
        if flags & class == 0 {
            return;
        }
        // Keys that expired earlier in this command are reported first, as Redis does.
        self.flush_expired();
        if flags & Class::KEYSPACE != 0 {
            let mut chan = format!("__keyspace@{db}__:").into_bytes();
            chan.extend_from_slice(key);
            self.publish(&chan, event.as_bytes());
        }
        if flags & Class::KEYEVENT != 0 {
            let chan = format!("__keyevent@{db}__:{event}").into_bytes();
            self.publish(&chan, key);
        }
    }
}

impl Core {
    /// Reports the keys deleted because they expired (lazily by a lookup, or by the active
    /// cycle) since the last call: the `expired` event (Redis `deleteExpiredKeyAndPropagate`),
    /// WATCH invalidation and `INFO stats` `expired_keys`. Called after every command, after
    /// each active expiry pass, and before any other event is published.
    pub fn flush_expired(&mut self) {
        for db in 0..self.dbs.len() {
            if self.dbs[db].expired_log.is_empty() {
                continue;
            }
            let keys = std::mem::take(&mut self.dbs[db].expired_log);
            for k in &keys {
                self.stats.expired_keys += 1;
                self.key_modified(db, k);
                self.notify(Class::EXPIRED, "expired", k, db);
            }
        }
    }
}
