using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Yoi.BackendService;
using Yoi.BackendService.Registry;

namespace Yoi.Tests.Backend;

/// <summary>Configuration is validated at start (options with ValidateOnStart); each message names the setting.</summary>
public sealed class BackendConfigurationTests
{
    private static BackendOptions Load(params (string Key, string Value)[] settings) =>
        StartValidation.Load<BackendOptions>(services => services.AddBackendOptions(), settings);

    [Theory]
    [InlineData("Backend:Runtimes:0:Source", "ftp", "Backend:Runtimes:0:Source")]
    [InlineData("Backend:Runtimes:0:Id", "bad id", "Backend:Runtimes:0:Id")]
    [InlineData("Backend:Runtimes:0:Token", "", "Backend:Runtimes:0:Token")]
    [InlineData("Backend:Runtimes:0:BaseUrl", "not a url", "Backend:Runtimes:0:BaseUrl")]
    [InlineData("ConnectionStrings:redis", "", "ConnectionStrings:redis")]
    [InlineData("Backend:Runtimes:0:TimeoutSeconds", "0", "Backend:Runtimes:0:TimeoutSeconds")]
    [InlineData("Backend:Runtimes:0:TimeoutSeconds", "NaN", "Backend:Runtimes:0:TimeoutSeconds")]
    [InlineData("Backend:Observation:ClientQueueCapacity", "0", "Backend:Observation:ClientQueueCapacity")]
    [InlineData("Backend:Observation:KeepAliveSeconds", "NaN", "Backend:Observation:KeepAliveSeconds")]
    [InlineData("Backend:Observation:KeepAliveTimeoutSeconds", "-1", "Backend:Observation:KeepAliveTimeoutSeconds")]
    [InlineData("Backend:Observation:KeepAliveTimeoutSeconds", "3601", "Backend:Observation:KeepAliveTimeoutSeconds")]
    [InlineData("Backend:Observation:KeepAliveTimeoutSeconds", "NaN", "Backend:Observation:KeepAliveTimeoutSeconds")]
    [InlineData("Backend:Observation:KeepAliveTimeoutSeconds", "soon", "Backend:Observation:KeepAliveTimeoutSeconds")]
    [InlineData("urls", "http://0.0.0.0:5080", "Backend:ApiKeys")]
    [InlineData("urls", "http://*:5080", "Backend:ApiKeys")]
    [InlineData("Backend:Runtimes:0:TimeoutSeconds", "soon", "Backend:Runtimes:0:TimeoutSeconds")]
    [InlineData("Backend:AllowedOrigins:0", "https://console.example.com/path", "Backend:AllowedOrigins:0")]
    [InlineData("Backend:RuntimeProbeSeconds", "0", "Backend:RuntimeProbeSeconds")]
    public void Invalid_setting_stops_the_start_naming_the_setting(string key, string value, string named)
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
        var error = Assert.Throws<OptionsValidationException>(() => Load(settings.Select(kv => (kv.Key, kv.Value)).ToArray()));
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void Remote_binding_is_allowed_with_keys_or_explicit_opt_in()
    {
        Load(("urls", "http://0.0.0.0:5080"), ("Backend:ApiKeys:0:Key", "k-0123456789"), ("Backend:ApiKeys:0:Role", "viewer"));
        Load(("urls", "http://0.0.0.0:5080"), ("Backend:AllowRemoteWithoutKeys", "true"));
        Load(("urls", "http://localhost:5080;http://[::1]:5081"));
        var options = Load(("Backend:Runtimes:0:Id", "rt-1"), ("Backend:Runtimes:0:Source", "remote"), ("Backend:Runtimes:0:Token", "t"),
            ("services:rt-1:http:0", "http://127.0.0.1:7001"), ("ConnectionStrings:redis", "127.0.0.1:6379"));
        Assert.Equal("yoi:", options.Runtimes[0].KeyPrefix);
        Assert.Equal(10, options.Runtimes[0].TimeoutSeconds);
        Assert.Equal(1024, options.Observation.ClientQueueCapacity);
        Assert.Throws<OptionsValidationException>(() => Load(("Backend:ApiKeys:0:Key", "k-0123456789"), ("Backend:ApiKeys:0:Role", "admin")));
    }

    [Fact]
    public void Keep_alive_timeout_defaults_to_15_seconds_and_takes_fractions_or_zero()
    {
        Assert.Equal(15, Load().Observation.KeepAliveTimeoutSeconds);
        Assert.Equal(0.5, Load(("Backend:Observation:KeepAliveTimeoutSeconds", "0.5")).Observation.KeepAliveTimeoutSeconds);
        Assert.Equal(0, Load(("Backend:Observation:KeepAliveTimeoutSeconds", "0")).Observation.KeepAliveTimeoutSeconds);
    }

    [Fact]
    public void An_embedded_runtime_setting_is_checked_at_start_and_named_under_its_entry()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Load(("Backend:Runtimes:0:Id", "rt-e"),
            ("Backend:Runtimes:0:Source", "embedded"), ("Backend:Runtimes:0:Runtime:Scripted:DeltaDelayMs", "-1")));
        Assert.Contains("Backend:Runtimes:0:Runtime", error.Message);
        Assert.Contains("Scripted:DeltaDelayMs", error.Message);
        var options = Load(("Backend:Runtimes:0:Id", "rt-e"), ("Backend:Runtimes:0:Source", "embedded"),
            ("Backend:Runtimes:0:KeyPrefix", "e:"), ("Backend:Runtimes:0:Runtime:MaxWorkers", "7"));
        Assert.Equal(("rt-e", "e:", 7), (options.Runtimes[0].Runtime.Id, options.Runtimes[0].Runtime.KeyPrefix, options.Runtimes[0].Runtime.MaxWorkers));
    }

    [Fact]
    public void Every_invalid_setting_is_named_on_one_line()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Load(("Backend:RuntimeProbeSeconds", "0"),
            ("Backend:Observation:ClientQueueCapacity", "0")));
        Assert.Equal(2, error.Failures.Count());
        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains("Backend:RuntimeProbeSeconds", error.Message);
        Assert.Contains("Backend:Observation:ClientQueueCapacity", error.Message);
    }

    [Fact]
    public void Start_validation_rejects_an_invalid_setting_before_anything_reads_the_options()
    {
        // StartValidation.Load runs the host's start validation before it reads the options.
        var error = Assert.Throws<OptionsValidationException>(() => Load(("Backend:Observation:MaxClientFrameBytes", "1")));
        Assert.Contains("Backend:Observation:MaxClientFrameBytes", error.Message);
    }
}
