using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yoi.EventLog;
using Yoi.EventLog.Memory;
using Microsoft.Extensions.Logging.Abstractions;
using Yoi.Runtime;
using Yoi.EventLog.Storage;
using Yoi.Runtime.Plugins;
using Yoi.Runtime.Workers;
using Yoi.RuntimeService.Plugins;

namespace Yoi.Tests.Plugins;

/// <summary>
/// <c>AddYoiPlugins</c> + <c>MapPluginEndpoints</c> wired the way the Runtime service wires them: the host runs as a
/// hosted service, the chat bridge answers over a real loopback WebSocket, the status is served under /v1.
/// </summary>
public sealed class PluginRegistrationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static WebApplication Build(params (string Key, string Value)[] settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        // The real runtime on the in-memory engine, with a non-default key prefix the bridge must find.
        var log = new InMemoryEventLog();
        var runtime = WorkerRuntime.CreateEmbedded("rt-wired", log, new InMemorySnapshotStore(), NullLoggerFactory.Instance,
            new RuntimeOptions { KeyPrefix = "wired:", Scripted = { DeltaDelayMs = 1 } });
        builder.Services.AddSingleton<IEventLog>(log);
        builder.Services.AddSingleton(runtime);
        builder.Services.AddSingleton<IWorkerRuntime>(runtime);
        builder.Services.AddProblemDetails();
        builder.Services.AddYoiPlugins(builder.Configuration);
        var app = builder.Build();
        app.MapGroup("/v1").MapPluginEndpoints();
        return app;
    }

    [Fact]
    public async Task AddYoiPlugins_runs_the_chat_bridge_as_a_hosted_service_with_status_under_v1()
    {
        await using var chatServer = await LoopbackWebSocketServer.StartAsync(Ct);
        await using var app = Build(PluginTestHost.LoopbackGrant(ChatBridgePlugin.Id, ChatBridgePlugin.TargetName, chatServer.Url));
        await app.StartAsync(Ct);
        var chat = await chatServer.AcceptAsync(Ct);

        await chat.SendTextAsync("""{"type":"message","id":"42","user":"ann","text":"wired up"}""", Ct);
        var reply = JsonDocument.Parse((await chat.ReceiveTextAsync(Ct))!).RootElement;
        Assert.Equal(("reply", "42", "finished"), (reply.GetProperty("type").GetString(),
            reply.GetProperty("in_reply_to").GetString(), reply.GetProperty("result").GetString()));
        Assert.False(string.IsNullOrEmpty(reply.GetProperty("text").GetString()));

        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromSeconds(10) };
        var status = await client.GetFromJsonAsync<JsonElement>("/v1/plugins/chat-bridge", Ct);
        Assert.Equal("running", status.GetProperty("status").GetString());
        Assert.Equal("connected", status.GetProperty("connections")[0].GetProperty("state").GetString());
        await app.StopAsync(Ct);
    }

    [Fact]
    public async Task Invalid_plugin_setting_stops_the_service_at_start_naming_the_setting()
    {
        await using var app = Build(("Runtime:Plugins:chat-bridge:Enabled", "true"),
            ("Runtime:Plugins:chat-bridge:Grants:WebSocket:chat", "ws://10.0.0.5/chat"));
        var ex = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => app.StartAsync(Ct));
        Assert.Contains("Runtime:Plugins:chat-bridge:Grants:WebSocket:chat:AllowPrivateNetwork", ex.Message);
    }
}
