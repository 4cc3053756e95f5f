//! Publish/subscribe: channels and patterns, and delivery to subscribed clients.

use crate::core::Core;

impl Core {
    /// Delivers `message` on `channel` to every subscriber; returns how many received it.
    pub fn publish(&mut self, channel: &[u8], message: &[u8]) -> usize {
        // Subscriptions arrive with the pub/sub commands; until then nobody listens.
        let _ = (channel, message);
        0
    }
}
