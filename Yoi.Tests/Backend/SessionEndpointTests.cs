using Yoi.Client;
using Yoi.Tests.EventLog.Redis;

namespace Yoi.Tests.Backend;

/// <summary><c>GET /api/session</c> reports what the projection seam lets the presented key do.</summary>
public sealed class SessionEndpointTests(RedisServerFixture redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Session_reports_the_role_and_the_commands_per_runtime_and_needs_a_key()
    {
        await using var runtime = await FakeRuntime.StartAsync();
        var (host, _) = await BackendHost.StartWithRedisAsync(redis, runtime, new Dictionary<string, string?>
        {
            ["Backend:ApiKeys:0:Key"] = "session-operator-key-0123456789",
            ["Backend:ApiKeys:0:Role"] = "operator",
            ["Backend:ApiKeys:1:Key"] = "session-viewer-key-0123456789",
            ["Backend:ApiKeys:1:Role"] = "viewer",
        });
        await using var _ = host;

        var op = await host.Client("session-operator-key-0123456789").GetSessionAsync(Ct);
        Assert.Equal(("operator", true), (op.Role, op.Authenticated));
        Assert.Equal(["create_worker", "input", "cancel", "stop"], Assert.Single(op.Runtimes, r => r.RuntimeId == "rt-1").Commands);

        var viewer = await host.Client("session-viewer-key-0123456789").GetSessionAsync(Ct);
        Assert.Equal(("viewer", true), (viewer.Role, viewer.Authenticated));
        Assert.Empty(Assert.Single(viewer.Runtimes).Commands);

        var none = await Assert.ThrowsAsync<YoiApiException>(() => host.Client().GetSessionAsync(Ct));
        Assert.Equal((401, "unauthorized"), (none.Status, none.Code));
        var wrong = await Assert.ThrowsAsync<YoiApiException>(() => host.Client("not-a-key").GetSessionAsync(Ct));
        Assert.Equal((401, "unauthorized"), (wrong.Status, wrong.Code));
    }
}
