//! Poll schedule and retry backoff (pure functions of elapsed time and attempt numbers).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How to poll `GetResourceRequestStatus`.
///
/// The first poll comes `initial` after submission, each next one `factor` times later, up to a
/// cap of `max_interval` — or, for long operations, `relative_cap × elapsed` (at most
/// `long_max_interval`): a finished operation is noticed within a second for the first 20 s,
/// and within 5 % of its running time after that. A `RetryAfter` from the service is honoured
/// (the next poll never comes earlier), up to `max_retry_after`.
#[derive(Debug, Clone, PartialEq)]
pub struct PollConfig {
    pub initial: Duration,
    pub factor: f64,
    pub max_interval: Duration,
    pub relative_cap: f64,
    pub long_max_interval: Duration,
    pub max_retry_after: Duration,
}

impl Default for PollConfig {
    fn default() -> Self {
        PollConfig {
            initial: Duration::from_millis(100),
            factor: 1.5,
            max_interval: Duration::from_secs(1),
            relative_cap: 0.05,
            long_max_interval: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

/// The successive poll delays of one request.
#[derive(Debug, Clone)]
pub struct PollSchedule {
    config: PollConfig,
    next: Duration,
    /// No poll has been scheduled yet.
    first: bool,
}

impl PollSchedule {
    pub fn new(config: &PollConfig) -> Self {
        PollSchedule {
            config: config.clone(),
            next: config.initial,
            first: true,
        }
    }

    /// The delay before the next poll, given the time since the request was submitted and the
    /// service's `RetryAfter` (as a delay from now), if any.
    ///
    /// The first poll comes when the service's `RetryAfter` says, even before `initial` (an
    /// operation the service expects to be done at once is not waited on for `initial`: on a
    /// chain of dependent resources that lag added up at every link); later polls never come
    /// earlier than the schedule.
    pub fn next_delay(&mut self, elapsed: Duration, retry_after: Option<Duration>) -> Duration {
        if std::mem::take(&mut self.first)
            && let Some(suggested) = retry_after
            && suggested < self.next
        {
            return suggested;
        }
        let cap = self.cap(elapsed);
        let base = self.next.min(cap);
        let factor = if self.config.factor.is_finite() && self.config.factor >= 1.0 {
            self.config.factor
        } else {
            1.0
        };
        self.next = base.mul_f64(factor).min(self.cap(elapsed + base));
        match retry_after {
            Some(suggested) => base.max(suggested.min(self.config.max_retry_after)),
            None => base,
        }
    }

    fn cap(&self, elapsed: Duration) -> Duration {
        let relative = if self.config.relative_cap.is_finite() && self.config.relative_cap > 0.0 {
            elapsed.mul_f64(self.config.relative_cap)
        } else {
            Duration::ZERO
        };
        self.config
            .max_interval
            .max(relative.min(self.config.long_max_interval))
    }
}

/// Retry policy for transient failures (the rate limiter paces throttles separately).
#[derive(Debug, Clone, PartialEq)]
pub struct RetryConfig {
    /// Attempts for a transient error (transport failures, 5xx, retriable handler codes other
    /// than throttling) before giving up. Throttling is retried until the deadline.
    pub max_attempts: u32,
    /// First backoff; doubles each attempt.
    pub base_delay: Duration,
    /// Largest backoff.
    pub max_delay: Duration,
    /// Delay for re-sending a throttled request (jittered, grows slowly); the limiter does the
    /// real pacing.
    pub throttle_delay: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_attempts: 8,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            throttle_delay: Duration::from_millis(100),
        }
    }
}

impl RetryConfig {
    /// "Equal jitter" exponential backoff for attempt `attempt` (1 = first retry): half of
    /// `min(max, base × 2^(attempt-1))` fixed plus up to the other half at random. `random` is
    /// a uniform value in `[0, 1)`.
    pub fn backoff(&self, attempt: u32, random: f64) -> Duration {
        let exponent = attempt.saturating_sub(1).min(30);
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay);
        let half = ceiling / 2;
        half + half.mul_f64(random.clamp(0.0, 1.0))
    }

    /// Delay before re-sending a request throttled `attempt` times in a row: grows linearly up
    /// to 10 × `throttle_delay`, with full jitter on top.
    pub fn throttle_backoff(&self, attempt: u32, random: f64) -> Duration {
        let steps = attempt.clamp(1, 10);
        let base = self.throttle_delay.saturating_mul(steps);
        base + base.mul_f64(random.clamp(0.0, 1.0))
    }
}

/// A uniform random value in `[0, 1)` for jitter (splitmix64 over a global counter seeded from
/// the clock; not for cryptography).
pub(crate) fn jitter() -> f64 {
    static STATE: AtomicU64 = AtomicU64::new(0);
    let mut seed = STATE.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
    if seed == 0 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x1234_5678);
        STATE.store(nanos | 1, Ordering::Relaxed);
        seed = nanos;
    }
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(value: u64) -> Duration {
        Duration::from_millis(value)
    }

    #[test]
    fn poll_starts_fast_and_caps_at_a_second() {
        let mut schedule = PollSchedule::new(&PollConfig::default());
        let mut elapsed = Duration::ZERO;
        let mut delays = Vec::new();
        for _ in 0..10 {
            let delay = schedule.next_delay(elapsed, None);
            delays.push(delay.as_millis());
            elapsed += delay;
        }
        assert_eq!(delays, vec![100, 150, 225, 337, 506, 759, 1000, 1000, 1000, 1000]);
    }

    #[test]
    fn completion_is_noticed_within_a_second_for_short_operations() {
        // For any completion time t ≤ 20 s, the first poll at or after t comes at most 1 s later.
        let config = PollConfig::default();
        for completion_ms in (0..20_000).step_by(37) {
            let completion = ms(completion_ms);
            let mut schedule = PollSchedule::new(&config);
            let mut at = Duration::ZERO;
            while at < completion {
                at += schedule.next_delay(at, None);
            }
            assert!(at - completion <= ms(1000), "done at {completion:?}, noticed at {at:?}");
        }
    }

    #[test]
    fn long_operations_poll_less_often_up_to_five_seconds() {
        let mut schedule = PollSchedule::new(&PollConfig::default());
        let mut elapsed = Duration::ZERO;
        let mut polls = 0;
        while elapsed < Duration::from_secs(600) {
            let delay = schedule.next_delay(elapsed, None);
            assert!(delay <= Duration::from_secs(5));
            // Never more than 5 % of the running time (or 1 s) late.
            assert!(delay <= ms(1000).max(elapsed.mul_f64(0.05) + ms(1)), "{delay:?} at {elapsed:?}");
            elapsed += delay;
            polls += 1;
        }
        // 10 minutes: ~20 polls in the first 20 s, then growing intervals, about 160 in all.
        assert!(polls < 200, "{polls}");
        assert!(polls > 100, "{polls}");
    }

    #[test]
    fn an_early_retry_after_brings_only_the_first_poll_forward() {
        let mut schedule = PollSchedule::new(&PollConfig::default());
        assert_eq!(schedule.next_delay(Duration::ZERO, Some(Duration::ZERO)), Duration::ZERO);
        assert_eq!(schedule.next_delay(Duration::ZERO, Some(Duration::ZERO)), ms(100));
        assert_eq!(schedule.next_delay(ms(100), Some(ms(1))), ms(150));
        let mut schedule = PollSchedule::new(&PollConfig::default());
        assert_eq!(schedule.next_delay(Duration::ZERO, Some(ms(40))), ms(40));
        assert_eq!(schedule.next_delay(ms(40), None), ms(100));
    }

    #[test]
    fn retry_after_is_honoured_and_bounded() {
        let mut schedule = PollSchedule::new(&PollConfig::default());
        assert_eq!(schedule.next_delay(Duration::ZERO, Some(ms(3000))), ms(3000));
        // A RetryAfter earlier than the schedule does not speed polling up.
        assert_eq!(schedule.next_delay(ms(3000), Some(ms(10))), ms(150));
        // An absurd RetryAfter is bounded.
        assert_eq!(
            schedule.next_delay(ms(3200), Some(Duration::from_secs(86_400))),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn retry_backoff_grows_with_jitter_and_caps() {
        let retry = RetryConfig::default();
        assert_eq!(retry.backoff(1, 0.0), ms(100));
        assert_eq!(retry.backoff(1, 0.999_999).as_millis(), 199);
        assert_eq!(retry.backoff(2, 0.0), ms(200));
        assert_eq!(retry.backoff(3, 0.5), ms(600));
        assert_eq!(retry.backoff(20, 0.0), ms(5000));
        assert!(retry.backoff(20, 0.999) < ms(10_000));
        assert!(retry.backoff(u32::MAX, 1.0) <= ms(10_000));
        assert_eq!(retry.throttle_backoff(1, 0.0), ms(100));
        assert_eq!(retry.throttle_backoff(50, 0.0), ms(1000));
        assert_eq!(retry.throttle_backoff(3, 1.0), ms(600));
    }

    #[test]
    fn jitter_is_uniformish_in_unit_interval() {
        let samples: Vec<f64> = (0..10_000).map(|_| jitter()).collect();
        assert!(samples.iter().all(|value| (0.0..1.0).contains(value)));
        let mean = samples.iter().sum::<f64>() / samples.len() as f64;
        assert!((mean - 0.5).abs() < 0.02, "{mean}");
        let low = samples.iter().filter(|value| **value < 0.1).count();
        assert!((800..1200).contains(&low), "{low}");
    }
}
