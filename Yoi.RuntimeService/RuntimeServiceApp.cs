using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Yoi.EventLog;
using Yoi.Protocol.Api;
using Yoi.Runtime;
using Yoi.Runtime.Plugins;
using Yoi.RuntimeService.Plugins;
using Yoi.RuntimeService.Http;
using Yoi.RuntimeService.Workers;
using Yoi.ServiceDefaults;

namespace Yoi.RuntimeService;

/// <summary>
/// Builds the Runtime service (used by <c>Program</c> and by tests, which start it in-process on 127.0.0.1:0).
/// Throws <see cref="OptionsValidationException"/> naming the setting when the configuration is invalid.
/// </summary>
public static class RuntimeServiceApp
{
    public const long MaxRequestBodyBytes = 64 * 1024;
    /// <summary>The authorization policy of <c>/v1</c>: the bearer token of <c>Runtime:Token</c>.</summary>
    public const string BackendPolicy = "backend";

    public static WebApplication Build(string[] args, Action<IConfigurationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder.Configuration);
        builder.Services.AddYoiRuntime();
        builder.AddYoiEventLog("yoi-runtime");
        builder.Services.AddYoiPlugins(builder.Configuration);
        builder.AddServiceDefaults("runtime", builder.Configuration["Runtime:Id"]);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        builder.Services.AddYoiProblemDetails();
        // Request bodies bind through the same strict, snake_case contract the Backend and clients use.
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.PropertyNameCaseInsensitive = false;
            json.SerializerOptions.AllowDuplicateProperties = false;
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
        });
        builder.Services.AddExceptionHandler<RuntimeExceptionHandler>();
        builder.Services.AddAuthentication(BearerTokenHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(null)
            .AddPolicy(BackendPolicy, policy => policy.AddAuthenticationSchemes(BearerTokenHandler.SchemeName).RequireAuthenticatedUser());

        var app = builder.Build();
        // The options registered with ValidateOnStart, checked now, so an invalid setting stops the service before
        // anything starts (the host would check them again at start).
        app.Services.GetRequiredService<IStartupValidator>().Validate();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        // A /v1 path no route matches needs the token too, so an unauthenticated caller learns nothing about the routes.
        app.Use((context, next) =>
            context.GetEndpoint() is null && context.Request.Path.StartsWithSegments("/v1") && context.User.Identity?.IsAuthenticated != true
                ? context.ChallengeAsync(BearerTokenHandler.SchemeName)
                : next(context));
        app.MapDefaultEndpoints();
        var v1 = app.MapGroup("/v1").RequireAuthorization(BackendPolicy);
        v1.MapRuntimeEndpoints();
        v1.MapWorkerEndpoints();
        v1.MapPluginEndpoints();
        return app;
    }
}
