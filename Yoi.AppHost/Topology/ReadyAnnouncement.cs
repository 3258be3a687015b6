using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Yoi.AppHost.Topology;

/// <summary>
/// The two console lines the README and the tests rely on, printed once the Backend is healthy (it waits for every
/// runtime, and they for Redis, so everything is): <c>Backend ready: http://127.0.0.1:PORT</c>, then
/// <c>Dashboard: URL</c> (with its login token unless anonymous access is configured).
/// </summary>
internal static class ReadyAnnouncement
{
    public static void Register(IDistributedApplicationBuilder builder, IResourceBuilder<ProjectResource> backend)
    {
        if (builder.ExecutionContext.IsPublishMode) return;
        backend.OnResourceReady((resource, ready, _) =>
        {
            var port = resource.GetEndpoint("http").Port;
            var configuration = ready.Services.GetRequiredService<IConfiguration>();
            Console.WriteLine($"Backend ready: http://127.0.0.1:{port}");
            Console.WriteLine($"Dashboard: {DashboardUrl(configuration)}");
            return Task.CompletedTask;
        });
    }

    private static string DashboardUrl(IConfiguration configuration)
    {
        var url = (configuration["ASPNETCORE_URLS"] ?? "http://localhost:18888").Split(';')[0].TrimEnd('/');
        return configuration["AppHost:BrowserToken"] is { Length: > 0 } token ? $"{url}/login?t={token}" : url;
    }
}
