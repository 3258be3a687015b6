using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Yoi.ServiceDefaults;

/// <summary>
/// The standard resilience handler (<c>Microsoft.Extensions.Http.Resilience</c>) tuned for a command API whose
/// failures the caller maps one to one to typed errors (docs/configuration.md, the Backend's runtime proxy):
/// only safe methods (GET, HEAD, OPTIONS, TRACE) are retried, so a command (POST) reaches the runtime at most once;
/// the caller's own deadline covers the whole call, retries included, and the handler's timeouts sit just above the
/// longest one (<c>callTimeout</c>, read from the validated options when the client is first built) so they
/// never decide first; the circuit breaker opens only under sustained failure, and each authority (one runtime) has its
/// own, so one dead runtime does not open the circuit for the others.
/// </summary>
public static class CommandResilience
{
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);
    public const int MaxRetryAttempts = 2;

    public static IHttpClientBuilder AddCommandResilienceHandler(this IHttpClientBuilder http, Func<IServiceProvider, TimeSpan> callTimeout)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(callTimeout);
        http.AddStandardResilienceHandler().Configure((options, services) =>
        {
            var ceiling = callTimeout(services) + TimeSpan.FromSeconds(1);
            options.Retry.DisableForUnsafeHttpMethods();
            options.Retry.MaxRetryAttempts = MaxRetryAttempts;
            options.Retry.Delay = RetryDelay;
            options.Retry.BackoffType = DelayBackoffType.Exponential;
            options.Retry.UseJitter = true;
            options.AttemptTimeout.Timeout = ceiling;
            options.TotalRequestTimeout.Timeout = ceiling * (MaxRetryAttempts + 1);
            var sampling = 2 * ceiling;
            options.CircuitBreaker.SamplingDuration = sampling > TimeSpan.FromSeconds(30) ? sampling : TimeSpan.FromSeconds(30);
        }).SelectPipelineByAuthority();
        return http;
    }
}
