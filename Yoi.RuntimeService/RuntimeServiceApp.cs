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
/// Throws <see cref="RuntimeConfigurationException"/> naming the setting when the configuration is invalid.
/// </summary>
public static class RuntimeServiceApp
{
    public const long MaxRequestBodyBytes = 64 * 1024;

    public static WebApplication Build(string[] args, Action<IConfigurationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder.Configuration);
        // First, so an invalid configuration fails before anything (such as the telemetry SDK) is created.
        builder.Services.AddYoiRuntime(builder.Configuration);
        builder.AddYoiEventLog("yoi-runtime");
        builder.Services.AddYoiPlugins(builder.Configuration);
        builder.AddServiceDefaults("runtime", builder.Configuration["Runtime:Id"]);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes);

        var app = builder.Build();
        var token = app.Services.GetRequiredService<RuntimeOptions>().Token;
        app.UseMiddleware<ProblemMiddleware>();
        app.UseStatusCodePages(context => StatusProblem(context.HttpContext));
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/v1"),
            v1 => v1.UseMiddleware<BearerTokenMiddleware>(token));
        app.MapDefaultEndpoints();
        app.MapRuntimeEndpoints();
        app.MapWorkerEndpoints();
        app.MapGroup("/v1").MapPluginEndpoints();
        return app;
    }

    private static Task StatusProblem(HttpContext context) => context.Response.StatusCode switch
    {
        404 => new ApiProblem(404, ApiErrorCodes.NotFound, "Not found", "No such route.").ExecuteAsync(context),
        405 => new ApiProblem(405, ApiErrorCodes.MethodNotAllowed, "Method not allowed", $"{context.Request.Method} is not allowed on this route.").ExecuteAsync(context),
        413 => new ApiProblem(413, ApiErrorCodes.PayloadTooLarge, "Payload too large", $"The request body is larger than {MaxRequestBodyBytes} bytes.").ExecuteAsync(context),
        var status => new ApiProblem(status, status >= 500 ? ApiErrorCodes.Internal : ApiErrorCodes.InvalidRequest, "Request failed").ExecuteAsync(context),
    };
}
