using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Yoi.ServiceDefaults;

/// <summary>
/// The standard resilience handler (<c>Microsoft.Extensions.Http.Resilience</c>) tuned for a command API whose
/// failures the caller maps one to one to typed errors (docs/configuration.md, the Backend's runtime proxy):
/// only safe methods (GET, HEAD, OPTIONS, TRACE) are retried, so a command (POST) reaches the runtime at most once;
/// the caller's own deadline covers the whole call, retries included, and the handler's timeouts sit just above it
/// so they never decide first; the circuit breaker opens only under sustained failure.
/// </summary>
public static class CommandResilience
{
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);
    public const int MaxRetryAttempts = 2;

    public static IHttpClientBuilder AddCommandResilienceHandler(this IHttpClientBuilder http, TimeSpan callTimeout)
    {
        ArgumentNullException.ThrowIfNull(http);
        var ceiling = callTimeout + TimeSpan.FromSeconds(1);
        http.AddStandardResilienceHandler(options =>
        {
            options.Retry.DisableForUnsafeHttpMethods();
            options.Retry.MaxRetryAttempts = MaxRetryAttempts;
            options.Retry.Delay = RetryDelay;
            options.Retry.BackoffType = DelayBackoffType.Exponential;
            options.Retry.UseJitter = true;
            options.AttemptTimeout.Timeout = ceiling;
            options.TotalRequestTimeout.Timeout = ceiling * (MaxRetryAttempts + 1);
            var sampling = 2 * ceiling;
            options.CircuitBreaker.SamplingDuration = sampling > TimeSpan.FromSeconds(30) ? sampling : TimeSpan.FromSeconds(30);
        });
        return http;
    }
}
