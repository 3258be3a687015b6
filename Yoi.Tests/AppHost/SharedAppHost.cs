using Yoi.Tests.EventLog.Redis;

namespace Yoi.Tests.AppHost;

/// <summary>
/// The AppHost tests share one machine-heavy resource (a whole topology is about 1.25 GB and 10-20 s to start), so
/// they run one after the other, and the tests that only read from a running topology share one AppHost.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AppHostCollection : ICollectionFixture<SharedAppHost>
{
    public const string Name = "AppHost";
}

/// <summary>
/// One topology (rt-1, rt-2, the Backend, the dashboard) for the tests that only use it, on the test run's shared
/// redis-server given with <c>--redis</c> (the lifecycle tests cover the redis-server the AppHost runs itself).
/// </summary>
public sealed class SharedAppHost(RedisServerFixture redis) : IAsyncLifetime
{
    private AppHostProcess? _host;

    public AppHostProcess Host => _host ?? throw new InvalidOperationException("not started");
    public string BackendUrl { get; private set; } = "";
    public string DashboardUrl { get; private set; } = "";
    public RedisServerFixture Redis => redis;
    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("yoi-apphost-").FullName;

    public async ValueTask InitializeAsync()
    {
        _host = AppHostProcess.Start(["--backend-port", "0", "--redis", redis.ConnectionString, "--data-dir", DataDirectory]);
        (BackendUrl, DashboardUrl) = await _host.WaitReadyAsync(TimeSpan.FromSeconds(120));
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { }
    }
}
