using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Yoi.ServiceDefaults;

/// <summary>
/// What every Yoi service shares, in the Aspire ServiceDefaults spirit: OpenTelemetry (traces, metrics, logs)
/// built on the core SDK, OTLP export when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, and health endpoints.
/// An invalid OTLP setting throws <see cref="ServiceConfigurationException"/> naming it (<see cref="OtlpExportSettings"/>).
/// </summary>
public static class ServiceDefaultsRegistration
{
    /// <summary>Tag of the health checks that <c>/alive</c> runs (liveness); <c>/health</c> runs all of them.</summary>
    public const string LiveTag = "live";

    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder, string defaultServiceName,
        string? serviceInstanceId = null)
    {
        // Without this switch ASP.NET Core's server span carries no tags (PACKAGES.md).
        AppContext.SetSwitch("Microsoft.AspNetCore.Hosting.SuppressActivityOpenTelemetryData", false);

        var configuration = builder.Configuration;
        var serviceName = configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } configured ? configured : defaultServiceName;
        var otlp = OtlpExportSettings.Read(configuration); // first: an invalid setting stops the start before the SDK exists

        var sdk = OpenTelemetrySdk.Create(otel =>
        {
            otel.ConfigureResource(resource => resource
                .AddService(serviceName, serviceVersion: ServiceVersion.Current, serviceInstanceId: serviceInstanceId,
                    autoGenerateServiceInstanceId: serviceInstanceId is null)
                .AddEnvironmentVariableDetector());
            otel.WithTracing(tracing => tracing
                .AddSource("Yoi.*", "Microsoft.AspNetCore", "System.Net.Http"));
            otel.WithMetrics(metrics => metrics
                .AddMeter("Yoi.*", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel",
                    "Microsoft.AspNetCore.Http.Connections", "System.Net.Http"));
            otel.WithLogging(logging => { }, options =>
            {
                options.IncludeFormattedMessage = true;
                options.IncludeScopes = true;
            });
            if (otlp is not null) otel.UseOtlpExporter(otlp.Protocol, otlp.Endpoint);
        });
        builder.Services.AddSingleton(sdk);
        // The container never disposes an instance it was given; this hosted service does, when the host is disposed,
        // so an in-process host (tests) leaves no listener behind and exporters flush.
        builder.Services.AddHostedService(_ => new OpenTelemetrySdkLifetime(sdk));
        builder.Logging.AddProvider(new OpenTelemetryLoggerBridge(sdk.GetLoggerFactory()));

        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary><c>/health</c>: ready (every check, Redis included). <c>/alive</c>: the process answers.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health");
        app.MapHealthChecks("/alive", new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag) });
        return app;
    }
}
