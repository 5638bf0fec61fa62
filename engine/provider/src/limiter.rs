//! Adaptive rate limiting: a token bucket whose rate follows AIMD (additive increase,
//! multiplicative decrease), one per account and region.
//!
//! [`AimdBucket`] is the pure algorithm (every method takes the current time, so tests drive it
//! with a fake clock); [`RateLimiter`] puts it behind a FIFO-fair async `acquire`.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Rate-limit settings (requests per second).
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimitConfig {
    /// The rate a region starts at.
    pub initial_rate: f64,
    /// The rate never drops below this (the floor of the multiplicative decrease).
    pub min_rate: f64,
    /// The rate never grows above this.
    pub max_rate: f64,
    /// Bucket capacity in seconds of the current rate (at least one token): how much of a burst
    /// passes at once after an idle period.
    pub burst_seconds: f64,
    /// Multiplier applied on a throttle (`0.5` halves the rate).
    pub decrease_factor: f64,
    /// Requests per second added per second without throttling (additive recovery).
    pub increase_per_second: f64,
}

impl RateLimitConfig {
    /// For AWS: Cloud Control publishes no limit; about 25-30 requests per second per account and
    /// region (polls included) is where throttling starts in practice.
    pub fn aws() -> Self {
        RateLimitConfig {
            initial_rate: 20.0,
            min_rate: 0.5,
            max_rate: 100.0,
            burst_seconds: 1.0,
            decrease_factor: 0.5,
            increase_per_second: 1.0,
        }
    }

    /// For the local cloud: effectively unlimited until it throttles (when asked to), then AIMD
    /// finds its rate within a few round trips.
    pub fn local() -> Self {
        RateLimitConfig {
            initial_rate: 2000.0,
            min_rate: 1.0,
            max_rate: 100_000.0,
            burst_seconds: 0.5,
            decrease_factor: 0.5,
            increase_per_second: 5.0,
        }
    }

    /// Clamps nonsense (negative, NaN, min above max) into a usable configuration.
    pub(crate) fn sanitized(&self) -> RateLimitConfig {
        let positive = |value: f64, fallback: f64| if value.is_finite() && value > 0.0 { value } else { fallback };
        let min_rate = positive(self.min_rate, 0.1);
        let max_rate = positive(self.max_rate, 100.0).max(min_rate);
        RateLimitConfig {
            initial_rate: positive(self.initial_rate, min_rate).clamp(min_rate, max_rate),
            min_rate,
            max_rate,
            burst_seconds: positive(self.burst_seconds, 1.0),
            decrease_factor: if self.decrease_factor.is_finite() && self.decrease_factor > 0.0 && self.decrease_factor < 1.0
            {
                self.decrease_factor
            } else {
                0.5
            },
            increase_per_second: if self.increase_per_second.is_finite() && self.increase_per_second >= 0.0 {
                self.increase_per_second
            } else {
                1.0
            },
        }
    }
}

/// The AIMD token bucket. Time is passed in, never read.
#[derive(Debug, Clone)]
pub struct AimdBucket {
    config: RateLimitConfig,
    rate: f64,
    tokens: f64,
    last_refill: Instant,
    /// When the rate was last decreased: throttles of requests sent before it belong to the same
    /// congestion episode and do not decrease it again.
    last_decrease: Option<Instant>,
    throttles: u64,
    decreases: u64,
    granted: u64,
}

impl AimdBucket {
    /// A full bucket at `config.initial_rate`.
    pub fn new(config: &RateLimitConfig, now: Instant) -> Self {
        let config = config.sanitized();
        let rate = config.initial_rate;
        let mut bucket = AimdBucket {
            config,
            rate,
            tokens: 0.0,
            last_refill: now,
            last_decrease: None,
            throttles: 0,
            decreases: 0,
            granted: 0,
        };
        bucket.tokens = bucket.capacity();
        bucket
    }

    /// The current rate in requests per second.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// Tokens available now (after the last refill).
    pub fn tokens(&self) -> f64 {
        self.tokens
    }

    fn capacity(&self) -> f64 {
        (self.rate * self.config.burst_seconds).max(1.0)
    }

    /// Adds the tokens and the additive rate increase earned since the last refill.
    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last_refill).as_secs_f64();
        if elapsed <= 0.0 {
            return;
        }
        self.last_refill = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.capacity());
        self.rate = (self.rate + elapsed * self.config.increase_per_second).min(self.config.max_rate);
    }

    /// Takes a token if one is available (`None`), or says how long until one will be.
    pub fn try_acquire(&mut self, now: Instant) -> Option<Duration> {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            self.granted += 1;
            None
        } else {
            let missing = 1.0 - self.tokens;
            // At least a microsecond, so a caller never spins on a zero wait.
            Some(Duration::from_secs_f64((missing / self.rate).max(1e-6)))
        }
    }

    /// A request sent at `sent_at` was throttled (now is `now`). Decreases the rate
    /// multiplicatively and empties the bucket, unless the rate was already decreased after that
    /// request was sent. Returns whether the rate was decreased.
    pub fn on_throttle(&mut self, sent_at: Instant, now: Instant) -> bool {
        self.refill(now);
        self.throttles += 1;
        if self.last_decrease.is_some_and(|last| sent_at < last) {
            return false;
        }
        self.rate = (self.rate * self.config.decrease_factor).max(self.config.min_rate);
        self.tokens = self.tokens.min(0.0);
        self.last_decrease = Some(now);
        self.decreases += 1;
        true
    }

    /// Counters since creation: (tokens granted, throttles seen, rate decreases).
    pub fn counters(&self) -> (u64, u64, u64) {
        (self.granted, self.throttles, self.decreases)
    }
}

/// Diagnostics of one region's limiter.
#[derive(Debug, Clone, PartialEq)]
pub struct RateStats {
    pub region: String,
    /// Current allowed rate, requests per second.
    pub rate: f64,
    /// Requests let through so far.
    pub requests: u64,
    /// Throttles seen (synchronous `ThrottlingException`s and asynchronous `Throttling` failures).
    pub throttles: u64,
    /// Times the rate was decreased.
    pub decreases: u64,
}

/// An async, FIFO-fair limiter around an [`AimdBucket`]: callers are served in arrival order
/// (tokio's mutex is fair), so no request starves under a burst; only the head of the queue
/// sleeps, and it re-reads the bucket after each sleep, so a rate decrease applies at once.
#[derive(Debug)]
pub struct RateLimiter {
    queue: tokio::sync::Mutex<()>,
    bucket: Mutex<AimdBucket>,
}

impl RateLimiter {
    pub fn new(config: &RateLimitConfig) -> Self {
        RateLimiter {
            queue: tokio::sync::Mutex::new(()),
            bucket: Mutex::new(AimdBucket::new(config, Instant::now())),
        }
    }

    fn bucket(&self) -> std::sync::MutexGuard<'_, AimdBucket> {
        // A panic while holding this lock cannot leave the bucket inconsistent (every method
        // updates plain numbers), so a poisoned lock is still usable.
        self.bucket.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Waits for a token; returns the instant it was granted (the request's "sent at").
    pub async fn acquire(&self) -> Instant {
        let _turn = self.queue.lock().await;
        loop {
            let now = Instant::now();
            let wait = self.bucket().try_acquire(now);
            match wait {
                None => return now,
                Some(wait) => tokio::time::sleep(wait).await,
            }
        }
    }

    /// Reports a throttled request sent at `sent_at`.
    pub fn on_throttle(&self, sent_at: Instant) -> bool {
        self.bucket().on_throttle(sent_at, Instant::now())
    }

    /// The current rate (requests per second).
    pub fn rate(&self) -> f64 {
        let mut bucket = self.bucket();
        bucket.refill(Instant::now());
        bucket.rate()
    }

    pub fn stats(&self, region: &str) -> RateStats {
        let mut bucket = self.bucket();
        bucket.refill(Instant::now());
        let (requests, throttles, decreases) = bucket.counters();
        RateStats {
            region: region.to_string(),
            rate: bucket.rate(),
            requests,
            throttles,
            decreases,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(initial: f64) -> RateLimitConfig {
        RateLimitConfig {
            initial_rate: initial,
            min_rate: 1.0,
            max_rate: 100.0,
            burst_seconds: 1.0,
            decrease_factor: 0.5,
            increase_per_second: 2.0,
        }
    }

    fn ms(value: u64) -> Duration {
        Duration::from_millis(value)
    }

    #[test]
    fn bucket_allows_a_burst_then_paces_at_the_rate() {
        let t0 = Instant::now();
        let mut bucket = AimdBucket::new(
            &RateLimitConfig {
                increase_per_second: 0.0,
                ..config(10.0)
            },
            t0,
        );
        // Capacity is one second of rate: 10 immediate tokens.
        for _ in 0..10 {
            assert_eq!(bucket.try_acquire(t0), None);
        }
        let wait = bucket.try_acquire(t0).expect("bucket is empty");
        assert!((wait.as_secs_f64() - 0.1).abs() < 1e-9, "{wait:?}");
        // After 100 ms exactly one more token.
        assert_eq!(bucket.try_acquire(t0 + ms(100)), None);
        assert!(bucket.try_acquire(t0 + ms(100)).is_some());
        // Over 10 s at most 10 rps (plus the initial burst).
        let mut granted = 0;
        for step in 0..1000u64 {
            if bucket.try_acquire(t0 + ms(100 + step * 10)).is_none() {
                granted += 1;
            }
        }
        assert_eq!(granted, 99, "9.99 s at 10 rps");
    }

    #[test]
    fn throttle_halves_once_per_episode() {
        let t0 = Instant::now();
        let mut bucket = AimdBucket::new(&config(40.0), t0);
        // 30 requests sent at t0, all throttled at t0+50ms: one decrease only.
        for _ in 0..30 {
            assert_eq!(bucket.try_acquire(t0), None);
        }
        let now = t0 + ms(50);
        assert!(bucket.on_throttle(t0, now));
        let after_first = bucket.rate();
        assert!((after_first - 20.05).abs() < 1e-6, "{after_first}"); // (40 + 0.05*2) / 2
        for _ in 0..29 {
            assert!(!bucket.on_throttle(t0, now));
        }
        assert!((bucket.rate() - after_first).abs() < 1e-9);
        assert!(bucket.tokens() <= 0.0, "bucket emptied");
        // A request sent after the decrease and throttled decreases again.
        let sent = t0 + ms(60);
        assert!(bucket.on_throttle(sent, t0 + ms(70)));
        assert!(bucket.rate() < after_first * 0.51);
        assert_eq!(bucket.counters().1, 31);
        assert_eq!(bucket.counters().2, 2);
    }

    #[test]
    fn decrease_stops_at_min_and_recovery_is_additive_up_to_max() {
        let t0 = Instant::now();
        let mut bucket = AimdBucket::new(&config(64.0), t0);
        let mut now = t0;
        for _ in 0..20 {
            now += ms(1);
            bucket.on_throttle(now, now);
        }
        assert!((bucket.rate() - 1.0).abs() < 0.1, "floor: {}", bucket.rate());
        // +2 rps per second: after 10 s about 21 rps.
        let start = bucket.rate();
        bucket.try_acquire(now + Duration::from_secs(10));
        assert!((bucket.rate() - (start + 20.0)).abs() < 1e-6, "{}", bucket.rate());
        // Capped at max.
        bucket.try_acquire(now + Duration::from_secs(1000));
        assert_eq!(bucket.rate(), 100.0);
    }

    #[test]
    fn aimd_converges_near_a_servers_limit() {
        // A simulated server that allows 10 rps (its own bucket, capacity 10): the client keeps
        // sending as fast as its bucket allows; its rate must oscillate around 10, and the share
        // of throttled requests must stay small.
        let t0 = Instant::now();
        let mut client = AimdBucket::new(
            &RateLimitConfig {
                increase_per_second: 1.0,
                ..config(100.0)
            },
            t0,
        );
        let mut server_tokens = 10.0f64;
        let mut server_last = t0;
        let (mut ok, mut throttled) = (0u32, 0u32);
        let mut now = t0;
        let end = t0 + Duration::from_secs(120);
        let mut rates_late = Vec::new();
        while now < end {
            match client.try_acquire(now) {
                Some(wait) => now += wait,
                None => {
                    let elapsed = now.saturating_duration_since(server_last).as_secs_f64();
                    server_last = now;
                    server_tokens = (server_tokens + elapsed * 10.0).min(10.0);
                    // The answer arrives 20 ms later.
                    if server_tokens >= 1.0 {
                        server_tokens -= 1.0;
                        ok += 1;
                    } else {
                        throttled += 1;
                        client.on_throttle(now, now + ms(20));
                    }
                    if now > t0 + Duration::from_secs(60) {
                        rates_late.push(client.rate());
                    }
                }
            }
        }
        let max_late = rates_late.iter().cloned().fold(0.0, f64::max);
        let min_late = rates_late.iter().cloned().fold(f64::MAX, f64::min);
        assert!(max_late < 14.0 && min_late > 4.0, "rate stays near 10: {min_late}..{max_late}");
        assert!(ok >= 1000, "throughput close to the server's 1200: {ok}");
        assert!(throttled * 20 < ok, "few throttles: {throttled} of {ok}");
    }

    #[test]
    fn sanitized_repairs_nonsense() {
        let repaired = RateLimitConfig {
            initial_rate: f64::NAN,
            min_rate: -1.0,
            max_rate: 0.0,
            burst_seconds: 0.0,
            decrease_factor: 2.0,
            increase_per_second: -3.0,
        }
        .sanitized();
        assert!(repaired.min_rate > 0.0 && repaired.max_rate >= repaired.min_rate);
        assert!(repaired.initial_rate >= repaired.min_rate && repaired.initial_rate <= repaired.max_rate);
        assert_eq!(repaired.decrease_factor, 0.5);
        assert_eq!(repaired.increase_per_second, 1.0);
    }

    #[tokio::test]
    async fn async_limiter_paces_a_burst_in_fifo_order() {
        // Real time, kept short: 30 requests at 100 rps.
        let limiter = std::sync::Arc::new(RateLimiter::new(&RateLimitConfig {
            increase_per_second: 0.0,
            burst_seconds: 0.01,
            ..config(100.0)
        }));
        let start = Instant::now();
        let order = std::sync::Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for index in 0..30 {
            let limiter = limiter.clone();
            let order = order.clone();
            tasks.push(tokio::spawn(async move {
                let granted = limiter.acquire().await;
                order.lock().unwrap().push((index, granted));
            }));
            // Arrival order is spawn order: let the task reach the queue.
            tokio::time::sleep(ms(1)).await;
        }
        for task in tasks {
            task.await.unwrap();
        }
        let order = order.lock().unwrap();
        let indices: Vec<_> = order.iter().map(|(index, _)| *index).collect();
        assert_eq!(indices, (0..30).collect::<Vec<_>>(), "served in arrival order");
        let last = order.last().unwrap().1 - start;
        // One token at once, then 29 more at 100 rps.
        assert!(last >= ms(285) && last <= ms(600), "{last:?}");
        // Never two grants closer than the rate allows (small timer slack).
        for pair in order.windows(2) {
            assert!(pair[1].1 - pair[0].1 >= ms(9), "{:?}", pair[1].1 - pair[0].1);
        }
    }

    #[tokio::test]
    async fn async_limiter_slows_after_throttle() {
        let limiter = RateLimiter::new(&RateLimitConfig {
            increase_per_second: 0.0,
            burst_seconds: 0.01,
            ..config(40.0)
        });
        let sent = limiter.acquire().await;
        assert!(limiter.on_throttle(sent));
        assert!((limiter.rate() - 20.0).abs() < 1e-9);
        // A second throttle of a request sent before the decrease changes nothing.
        assert!(!limiter.on_throttle(sent));
        let start = Instant::now();
        for _ in 0..5 {
            limiter.acquire().await;
        }
        let elapsed = Instant::now() - start;
        // 5 tokens at 20 rps from an empty bucket: 250 ms.
        assert!(elapsed >= ms(245) && elapsed <= ms(450), "{elapsed:?}");
        let stats = limiter.stats("eu-west-1");
        assert_eq!((stats.requests, stats.throttles, stats.decreases), (6, 2, 1));
    }
}
