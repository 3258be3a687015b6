namespace Yoi.AppHost.Topology;

/// <summary>Which Redis the services get as <c>ConnectionStrings__redis</c> (StackExchange.Redis format), if any.</summary>
internal static class RedisTopology
{
    /// <summary>
    /// <c>--redis</c> (or <c>ConnectionStrings:redis</c>): that server, in run and publish mode. Publish mode: Aspire's
    /// Redis container, which azd deploys as a managed one. Run mode: a local <c>redis-server</c> run by DCP (no
    /// container runtime needed). Null for the single-process topology: <c>--in-memory</c>, or no redis-server on the PATH.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString>? Add(IDistributedApplicationBuilder builder, AppHostOptions options)
    {
        if (options.InMemory) return null;
        if (options.Redis is not null)
        {
            builder.Configuration["ConnectionStrings:redis"] = options.Redis;
            return builder.AddConnectionString("redis");
        }
        if (builder.ExecutionContext.IsPublishMode) return builder.AddRedis("redis");

        var executable = RedisServerResource.FindExecutable();
        if (executable is null)
        {
            Console.WriteLine("No redis-server on the PATH: running the single-process topology (the Backend with embedded runtimes and the in-memory event log).");
            return null;
        }
        return builder.AddRedisServer("redis", executable, Path.Combine(options.DataDirectory, "redis"));
    }

    /// <summary>Waits for a Redis the AppHost runs; a given connection string has nothing to wait for.</summary>
    public static IResourceBuilder<T> WaitForRedis<T>(this IResourceBuilder<T> resource, IResourceBuilder<IResourceWithConnectionString> redis)
        where T : IResourceWithWaitSupport =>
        redis.Resource is RedisServerResource or RedisResource ? resource.WaitFor(redis) : resource;
}
