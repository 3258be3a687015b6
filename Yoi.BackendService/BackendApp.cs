using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Yoi.Runtime.Configuration;
using Yoi.BackendService.AgUi;
using Yoi.BackendService.Api;
using Yoi.BackendService.WebConsole;
using Yoi.BackendService.Observation;
using Yoi.BackendService.Projection;
using Yoi.BackendService.Proxy;
using Yoi.BackendService.Registry;
using Yoi.EventLog;
using Yoi.Protocol;
using Yoi.Protocol.Api;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yoi.Runtime;
using Yoi.EventLog.Storage;
using Yoi.Runtime.Streams;
using Yoi.Runtime.Workers;
using Yoi.ServiceDefaults;

namespace Yoi.BackendService;

/// <summary>Creates the runtime hosted in the Backend process for an <c>embedded</c> source.</summary>
public delegate IWorkerRuntime EmbeddedRuntimeFactory(string runtimeId, IEventLog log, ISnapshotStore snapshots, ILoggerFactory loggerFactory);

/// <summary>
/// The Backend application: <c>Program.cs</c> runs it, tests build it in process with configuration overrides.
/// </summary>
public static class BackendApp
{
    public static async Task<WebApplication> BuildAsync(string[] args, Action<WebApplicationBuilder>? configure = null,
        CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        // The host's request lines name the query string, which carries ?access_token= on WebSocket upgrades: not logged
        // (docs/security.md). Requests stay visible in traces (url.path) and in the Backend's own logs.
        builder.Logging.AddFilter(RequestLineCategory, LogLevel.Warning);
        builder.AddServiceDefaults("backend");
        // The largest body any route takes (an AG-UI RunAgentInput); the REST routes hold theirs to 64 KiB (413 beyond).
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 1024 * 1024);
        await builder.AddBackendAsync(cancellationToken);

        var app = builder.Build();
        // The options registered with ValidateOnStart, checked now, so an invalid setting stops the service before
        // anything starts (the host would check them again at start). The Backend's own first: other options (the
        // runtime client's resilience) derive from them, and would only repeat their failure.
        _ = app.Services.GetRequiredService<IOptions<BackendOptions>>().Value;
        app.Services.GetRequiredService<IStartupValidator>().Validate();
        app.Services.GetRequiredService<RuntimeRegistry>(); // every runtime source is created (and checked) at start
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseWebSockets();
        app.UseMiddleware<Api.CrossSiteGuard>();
        // No authentication middleware: the /api endpoints' policies authenticate with the API-key scheme themselves,
        // and an observation WebSocket (which checks the same keys itself) keeps no request scope for its lifetime.
        // WebApplication would otherwise add UseAuthentication() for every request; this key tells it not to.
        ((IApplicationBuilder)app).Properties["__AuthenticationMiddlewareSet"] = true;
        app.UseAuthorization();
        app.UseConsole();
        app.MapDefaultEndpoints();
        app.MapOpenApi();
        app.MapRuntimeEndpoints();
        app.MapSessionEndpoints();
        app.MapObservationEndpoints();
        app.MapAgUiEndpoints();
        return app;
    }

    /// <summary>Options, the event log (Redis, or in memory without <c>ConnectionStrings:redis</c>), registry, seam, observation.</summary>
    public static async Task AddBackendAsync(this WebApplicationBuilder builder, CancellationToken cancellationToken = default)
    {
        var services = builder.Services;
        services.AddBackendOptions();
        services.AddOpenApi(openApi =>
        {
            Api.OpenApiSecurity.Configure(openApi);
            Api.OpenApiWireSchemas.Configure(openApi);
        });
        services.AddYoiProblemDetails();
        services.AddExceptionHandler<Api.ApiExceptionHandler>();
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            // Strict request bodies (docs/security.md): exact names, no property twice.
            json.SerializerOptions.PropertyNameCaseInsensitive = false;
            json.SerializerOptions.AllowDuplicateProperties = false;
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
            json.SerializerOptions.TypeInfoResolverChain.Insert(1, ProtocolJsonContext.Default);
        });

        builder.AddYoiEventLog("yoi-backend");
        services.AddSingleton(TimeProvider.System);

        // One client for every remote runtime (each call names its runtime's URL); the resilience handler keeps one
        // pipeline, circuit breaker included, per runtime authority.
        services.AddHttpClient(RemoteRuntimeSource.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers() // its default logs name the runtime URL
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                ConnectTimeout = LongestRuntimeTimeout(sp),
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                AllowAutoRedirect = false,
                UseProxy = false,
            })
            .AddCommandResilienceHandler(LongestRuntimeTimeout);
        services.TryAddSingleton<EmbeddedRuntimeFactory>(sp =>
        {
            var runtimes = sp.GetRequiredService<BackendOptions>().Runtimes;
            return (id, log, snapshots, loggerFactory) =>
                WorkerRuntime.CreateEmbedded(id, log, snapshots, loggerFactory, runtimes.First(r => r.Id == id).Runtime);
        });
        services.AddSingleton(sp => new RuntimeRegistry(CreateSources(sp, sp.GetRequiredService<BackendOptions>()),
            sp.GetRequiredService<IEventLog>(), sp.GetRequiredService<TimeProvider>()));

        services.AddSingleton(sp => new ApiKeyAuthenticator(sp.GetRequiredService<BackendOptions>().ApiKeys));
        services.AddSingleton<Api.OriginPolicy>();
        // The local default (no API keys, loopback only): Host headers other than loopback names are refused, so a
        // page of another site cannot reach this Backend by rebinding its DNS name to 127.0.0.1 (docs/security.md).
        if (string.IsNullOrWhiteSpace(builder.Configuration["AllowedHosts"]))
        {
            services.AddOptions<HostFilteringOptions>().Configure<BackendOptions>((hosts, backend) =>
            {
                if (backend.ApiKeys.Count == 0 && !backend.AllowRemoteWithoutKeys) hosts.AllowedHosts = LoopbackHosts;
            });
        }
        services.TryAddSingleton<IProjectionPolicy, RolePolicy>(); // a host may register its own policy first
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, Api.ApiKeyAuthenticationHandler>(Api.ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(ClientRoles.Viewer, policy => policy.AddAuthenticationSchemes(Api.ApiKeyAuthenticationHandler.SchemeName)
                .RequireRole(ClientRoles.Viewer, ClientRoles.Operator))
            .AddPolicy(ClientRoles.Operator, policy => policy.AddAuthenticationSchemes(Api.ApiKeyAuthenticationHandler.SchemeName)
                .RequireRole(ClientRoles.Operator));
        services.AddSingleton<StreamTailReader>();
        services.AddHostedService(sp => sp.GetRequiredService<StreamTailReader>());
        services.AddSingleton<RuntimeMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<RuntimeMonitor>());
        services.AddHealthChecks().Add(new HealthCheckRegistration("runtimes", sp => sp.GetRequiredService<RuntimeMonitor>(),
            HealthStatus.Degraded, tags: null));
    }

    /// <summary>
    /// <see cref="BackendOptions"/> from the <c>Backend</c> section, completed and checked by
    /// <see cref="BackendOptionsValidator"/> at start; the validated value is also registered as a singleton.
    /// </summary>
    public static OptionsBuilder<BackendOptions> AddBackendOptions(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<BackendOptions>, BackendOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BackendOptions>, BackendOptionsValidator>());
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<BackendOptions>>().Value);
        return services.AddOptions<BackendOptions>().BindSection(BackendOptions.Section).ValidateOnStart();
    }

    /// <summary>The longest per-call timeout of the configured runtimes: the HTTP stack's own limits sit above it.</summary>
    private static TimeSpan LongestRuntimeTimeout(IServiceProvider services) =>
        TimeSpan.FromSeconds(services.GetRequiredService<BackendOptions>().Runtimes.Select(r => r.TimeoutSeconds)
            .DefaultIfEmpty(RuntimeSourceOptions.DefaultTimeoutSeconds).Max());

    /// <summary>The ASP.NET Core category of the "Request starting/finished" lines (full URL with its query).</summary>
    public const string RequestLineCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    /// <summary>The <c>AllowedHosts</c> of the local default: loopback names on any port.</summary>
    public static readonly string[] LoopbackHosts = ["localhost", "127.0.0.1", "[::1]"];

    private static List<RuntimeEntry> CreateSources(IServiceProvider services, BackendOptions options)
    {
        var log = services.GetRequiredService<IEventLog>();
        var entries = new List<RuntimeEntry>();
        for (var i = 0; i < options.Runtimes.Count; i++)
        {
            var runtime = options.Runtimes[i];
            var id = runtime.Id!;
            var keys = new StreamKeys(runtime.KeyPrefix, id);
            IRuntimeSource source;
            if (runtime.Source == RuntimeSourceKinds.Remote)
            {
                var http = services.GetRequiredService<IHttpClientFactory>().CreateClient(RemoteRuntimeSource.HttpClientName);
                source = new RemoteRuntimeSource(id, http, runtime.ResolvedBaseUrl!, runtime.Token!, TimeSpan.FromSeconds(runtime.TimeoutSeconds));
            }
            else
            {
                var factory = services.GetRequiredService<EmbeddedRuntimeFactory>();
                var workerRuntime = factory(id, log, services.GetRequiredService<ISnapshotStore>(), services.GetRequiredService<ILoggerFactory>());
                source = new EmbeddedRuntimeSource(workerRuntime, keys, services.GetRequiredService<WorkerSnapshotReader>());
            }
            entries.Add(new RuntimeEntry(id, source, keys));
        }
        return entries;
    }
}
