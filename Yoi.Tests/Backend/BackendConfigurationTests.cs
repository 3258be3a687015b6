using Microsoft.Extensions.Configuration;
using Yoi.BackendService.Registry;

namespace Yoi.Tests.Backend;

/// <summary>Configuration is validated at start; each message names the setting.</summary>
public sealed class BackendConfigurationTests
{
    private static BackendOptions Load(params (string Key, string Value)[] settings) =>
        BackendOptions.Load(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build());

    [Theory]
    [InlineData("Backend:Runtimes:0:Source", "ftp", "Backend:Runtimes:0:Source")]
    [InlineData("Backend:Runtimes:0:Id", "bad id", "Backend:Runtimes:0:Id")]
    [InlineData("Backend:Runtimes:0:Token", "", "Backend:Runtimes:0:Token")]
    [InlineData("Backend:Runtimes:0:BaseUrl", "not a url", "Backend:Runtimes:0:BaseUrl")]
    [InlineData("ConnectionStrings:redis", "", "ConnectionStrings:redis")]
    [InlineData("Backend:Runtimes:0:TimeoutSeconds", "0", "Backend:Runtimes:0:TimeoutSeconds")]
    [InlineData("Backend:Observation:ClientQueueCapacity", "0", "Backend:Observation:ClientQueueCapacity")]
    [InlineData("Backend:Observation:KeepAliveSeconds", "NaN", "Backend:Observation:KeepAliveSeconds")]
    [InlineData("Backend:Observation:KeepAliveTimeoutSeconds", "-1", "Backend:Observation:KeepAliveTimeoutSeconds")]
    [InlineData("Backend:Observation:KeepAliveTimeoutSeconds", "3601", "Backend:Observation:KeepAliveTimeoutSeconds")]
    [InlineData("Backend:Observation:KeepAliveTimeoutSeconds", "NaN", "Backend:Observation:KeepAliveTimeoutSeconds")]
    [InlineData("Backend:Observation:KeepAliveTimeoutSeconds", "soon", "Backend:Observation:KeepAliveTimeoutSeconds")]
    [InlineData("urls", "http://0.0.0.0:5080", "Backend:ApiKeys")]
    [InlineData("urls", "http://*:5080", "Backend:ApiKeys")]
    public void InvalidSetting_StopsTheStart_NamingTheSetting(string key, string value, string named)
    {
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:redis"] = "127.0.0.1:6379",
            ["Backend:Runtimes:0:Id"] = "rt-1",
            ["Backend:Runtimes:0:Source"] = "remote",
            ["Backend:Runtimes:0:Token"] = "t",
            ["Backend:Runtimes:0:BaseUrl"] = "http://127.0.0.1:1",
            ["urls"] = "http://127.0.0.1:5080",
            [key] = value,
        };
        var error = Assert.Throws<BackendConfigurationException>(() => Load(settings.Select(kv => (kv.Key, kv.Value)).ToArray()));
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void RemoteBinding_IsAllowedWithKeysOrExplicitOptIn()
    {
        Load(("urls", "http://0.0.0.0:5080"), ("Backend:ApiKeys:0:Key", "k-0123456789"), ("Backend:ApiKeys:0:Role", "viewer"));
        Load(("urls", "http://0.0.0.0:5080"), ("Backend:AllowRemoteWithoutKeys", "true"));
        Load(("urls", "http://localhost:5080;http://[::1]:5081"));
        var options = Load(("Backend:Runtimes:0:Id", "rt-1"), ("Backend:Runtimes:0:Source", "remote"), ("Backend:Runtimes:0:Token", "t"),
            ("services:rt-1:http:0", "http://127.0.0.1:7001"), ("ConnectionStrings:redis", "127.0.0.1:6379"));
        Assert.Equal("yoi:", options.Runtimes[0].KeyPrefix);
        Assert.Equal(10, options.Runtimes[0].TimeoutSeconds);
        Assert.Equal(1024, options.Observation.ClientQueueCapacity);
        Assert.Throws<BackendConfigurationException>(() => Load(("Backend:ApiKeys:0:Key", "k-0123456789"), ("Backend:ApiKeys:0:Role", "admin")));
    }

    [Fact]
    public void KeepAliveTimeout_DefaultsTo15Seconds_AndTakesFractionsOrZero()
    {
        Assert.Equal(15, Load().Observation.KeepAliveTimeoutSeconds);
        Assert.Equal(0.5, Load(("Backend:Observation:KeepAliveTimeoutSeconds", "0.5")).Observation.KeepAliveTimeoutSeconds);
        Assert.Equal(0, Load(("Backend:Observation:KeepAliveTimeoutSeconds", "0")).Observation.KeepAliveTimeoutSeconds);
    }
}
