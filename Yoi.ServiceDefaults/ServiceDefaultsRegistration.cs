using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Yoi.ServiceDefaults;

/// <summary>
/// What every Yoi service shares, in the shape of Aspire's ServiceDefaults template: OpenTelemetry through
/// <c>OpenTelemetry.Extensions.Hosting</c> (traces, metrics, logs; OTLP export driven by the standard <c>OTEL_*</c>
/// variables the AppHost sets), service discovery for HttpClients, and the health endpoints. See docs/telemetry.md.
/// </summary>
public static class ServiceDefaultsRegistration
{
    /// <summary>Tag of the health checks that <c>/alive</c> runs (liveness); <c>/health</c> runs all of them.</summary>
    public const string LiveTag = "live";

    public const string HealthPath = "/health";
    public const string AlivePath = "/alive";

    /// <param name="defaultServiceName">The service name when <c>OTEL_SERVICE_NAME</c> is not set (the AppHost sets it).</param>
    /// <param name="serviceInstanceId">The instance id when <c>OTEL_RESOURCE_ATTRIBUTES</c> gives none.</param>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder, string defaultServiceName,
        string? serviceInstanceId = null) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry(defaultServiceName, serviceInstanceId);
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        builder.Services.AddServiceDiscovery();
        // Service discovery on every client. No default resilience handler: the Runtime's model providers stream for
        // minutes, and the Backend's command proxy has its own tuned one (CommandResilience).
        builder.Services.ConfigureHttpClientDefaults(http => http.AddServiceDiscovery());
        return builder;
    }

    private static void ConfigureOpenTelemetry(this IHostApplicationBuilder builder, string defaultServiceName, string? serviceInstanceId)
    {
        // Without this switch ASP.NET Core's server span carries no tags (docs/telemetry.md).
        AppContext.SetSwitch("Microsoft.AspNetCore.Hosting.SuppressActivityOpenTelemetryData", false);

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                // The variables (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES) win over these defaults.
                resource.AddService(defaultServiceName, serviceVersion: ServiceVersion.Current, serviceInstanceId: serviceInstanceId,
                    autoGenerateServiceInstanceId: serviceInstanceId is null);
                resource.AddEnvironmentVariableDetector();
            })
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("Yoi.*", "Microsoft.AspNetCore.Http.Connections"))
            .WithTracing(tracing => tracing
                .AddSource("Yoi.*")
                .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context => !IsHealthProbe(context.Request.Path))
                .AddHttpClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])) otel.UseOtlpExporter();
    }

    private static bool IsHealthProbe(PathString path) => path.StartsWithSegments(HealthPath) || path.StartsWithSegments(AlivePath);

    /// <summary><c>/health</c>: ready (every check, Redis included). <c>/alive</c>: the process answers.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthPath);
        app.MapHealthChecks(AlivePath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag) });
        return app;
    }
}
