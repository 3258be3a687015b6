using Microsoft.Extensions.DependencyInjection;

namespace Yoi.AppHost.Topology;

/// <summary>
/// A local <c>redis-server</c> run by DCP as an executable resource (this machine has no container runtime): port
/// allocated by DCP, a generated password, AOF data in its own folder. Its connection string reaches the services as
/// <c>ConnectionStrings__redis</c> in the StackExchange.Redis format, like Aspire's own Redis resource.
/// </summary>
internal sealed class RedisServerResource(string name, string command, string dataDirectory, ParameterResource password)
    : ExecutableResource(name, command, dataDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    public ParameterResource Password { get; } = password;
    public string DataDirectory { get; } = dataDirectory;
    public EndpointReference PrimaryEndpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)},password={Password}");

    public static string? FindExecutable() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "redis-server"))
            .FirstOrDefault(File.Exists);
}

internal static class RedisServerResourceBuilder
{
    public static IResourceBuilder<RedisServerResource> AddRedisServer(this IDistributedApplicationBuilder builder, string name,
        string executable, string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        var resource = new RedisServerResource(name, executable, dataDirectory, password);
        // The password goes in a file only the user can read, never on the command line (ps, the dashboard's view).
        var configFile = Path.Combine(dataDirectory, "redis.conf");

        string? connectionString = null;
        var healthCheck = $"{name}_check";
        builder.Services.AddHealthChecks().AddRedis(_ => connectionString ?? throw new InvalidOperationException("Redis is not started yet."),
            name: healthCheck);

        return builder.AddResource(resource)
            .WithEndpoint(name: RedisServerResource.EndpointName, scheme: "tcp")
            .WithArgs(context =>
            {
                context.Args.Add(configFile);
                context.Args.Add("--port");
                context.Args.Add(resource.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
                foreach (var arg in new[] { "--bind", "127.0.0.1", "--dir", dataDirectory, "--appendonly", "yes",
                             "--appendfsync", "everysec", "--save", "", "--daemonize", "no" })
                    context.Args.Add(arg);
            })
            .OnBeforeResourceStarted(async (redis, _, cancellationToken) =>
            {
                var secret = await redis.Password.GetValueAsync(cancellationToken);
                File.Delete(configFile); // a new file gets the mode below; an existing one would keep its own
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                await using var file = new FileStream(configFile, options);
                await using var writer = new StreamWriter(file);
                await writer.WriteLineAsync($"requirepass {secret}");
            })
            .OnConnectionStringAvailable(async (redis, _, cancellationToken) =>
                connectionString = await ((IResourceWithConnectionString)redis).GetConnectionStringAsync(cancellationToken))
            .WithHealthCheck(healthCheck);
    }
}
