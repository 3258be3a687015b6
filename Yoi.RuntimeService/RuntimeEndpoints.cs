using Microsoft.AspNetCore.Http.HttpResults;
using Yoi.Protocol.Api;
using Yoi.Runtime.Workers;

namespace Yoi.RuntimeService;

/// <summary><c>/v1/runtime</c>: id, version, capabilities and worker counts.</summary>
public static class RuntimeEndpoints
{
    public static IEndpointRouteBuilder MapRuntimeEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/runtime", GetRuntime).WithTags("Runtime").WithName("GetRuntime").WithSummary("This runtime.");
        return app;
    }

    /// <summary>The worker runtime's own capabilities, plus <c>plugins</c>: this service hosts service plugins.</summary>
    private static JsonHttpResult<RuntimeInfo> GetRuntime(IWorkerRuntime runtime)
    {
        var info = runtime.GetInfo();
        return TypedResults.Json(info with { Capabilities = [.. info.Capabilities, RuntimeCapabilities.Plugins] },
            ApiJsonContext.Default.RuntimeInfo);
    }
}
