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
