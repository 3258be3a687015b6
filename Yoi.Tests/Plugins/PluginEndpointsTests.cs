using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yoi.Runtime.Plugins;
using Yoi.RuntimeService.Plugins;
using static Yoi.Tests.Plugins.PluginTestHost;

namespace Yoi.Tests.Plugins;

/// <summary>The status REST endpoints, mapped on a /v1 group of a minimal app on 127.0.0.1:0.</summary>
public sealed class PluginEndpointsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(WebApplication App, HttpClient Client)> StartApiAsync(PluginHost host)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton(host);
        builder.Services.AddProblemDetails();
        var app = builder.Build();
        app.MapGroup("/v1").MapPluginEndpoints();
        await app.StartAsync(Ct);
        return (app, new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromSeconds(10) });
    }

    [Fact]
    public async Task Status_endpoints_list_plugins_with_connections_ingress_and_diagnostics_in_snake_case()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync(Ct);
        var plugin = RecordingPlugin.WithTarget();
        var host = Create(plugin, null, LoopbackGrant("recorder", "feed", new Uri(server.Url + "?token=secret")));
        await host.StartAsync(Ct);
        await server.AcceptAsync(Ct);
        await plugin.WaitForKindAsync(PluginIngressKinds.WebSocketConnected, Ct);
        await plugin.Context!.ExecuteAsync(new WebSocketSendCommand("nowhere", "x"), Ct);
        var (app, client) = await StartApiAsync(host);
        await using var _ = app;
        using var __ = client;

        var list = await client.GetAsync("/v1/plugins", Ct);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var body = await list.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain("secret", body);
        var plugins = JsonDocument.Parse(body).RootElement.GetProperty("plugins");
        var p = Assert.Single(plugins.EnumerateArray());
        Assert.Equal("recorder", p.GetProperty("id").GetString());
        Assert.Equal("running", p.GetProperty("status").GetString());
        Assert.Equal(1, p.GetProperty("send_rejected").GetInt64());
        Assert.Equal(256, p.GetProperty("ingress").GetProperty("capacity").GetInt32());
        Assert.Equal(0, p.GetProperty("ingress").GetProperty("drops").GetInt64());
        var connection = Assert.Single(p.GetProperty("connections").EnumerateArray());
        Assert.Equal("connected", connection.GetProperty("state").GetString());
        Assert.Equal($"ws://127.0.0.1:{server.Port}/ws", connection.GetProperty("url").GetString());
        foreach (var field in new[] { "last_frame_at", "last_error", "frames_in", "frames_out", "queue_drops", "send_failures", "reconnects" })
            Assert.True(connection.TryGetProperty(field, out var _), field);
        Assert.Contains(p.GetProperty("diagnostics").EnumerateArray(), d => d.GetProperty("code").GetString() == PluginCommandCodes.TargetUndeclared);

        var one = await client.GetFromJsonAsync<JsonElement>("/v1/plugins/recorder", Ct);
        Assert.Equal("0.1.0", one.GetProperty("version").GetString());

        var stopped = await client.PostAsync("/v1/plugins/recorder/stop", null, Ct);
        Assert.Equal("stopped", (await stopped.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetString());
        var started = await client.PostAsync("/v1/plugins/recorder/start", null, Ct);
        Assert.Equal("running", (await started.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetString());
        await host.StopAsync(Ct);
    }

    [Theory]
    [InlineData("GET", "/v1/plugins/unknown", HttpStatusCode.NotFound, "plugin_not_found")]
    [InlineData("POST", "/v1/plugins/unknown/start", HttpStatusCode.NotFound, "plugin_not_found")]
    [InlineData("GET", "/v1/plugins/bad.id", HttpStatusCode.BadRequest, "invalid_request")]
    [InlineData("POST", "/v1/plugins/bad.id/stop", HttpStatusCode.BadRequest, "invalid_request")]
    public async Task Unknown_or_malformed_plugin_id_answers_problem_json(string method, string path, HttpStatusCode status, string code)
    {
        var host = Create(RecordingPlugin.WithTarget(), null);
        var (app, client) = await StartApiAsync(host);
        await using var _ = app;
        using var __ = client;

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Ct);
        await ProblemAssert.IsAsync(response, status, code);
    }
}
