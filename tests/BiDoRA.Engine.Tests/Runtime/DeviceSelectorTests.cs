using BiDoRA.Engine.Runtime;
using TorchSharp;

namespace BiDoRA.Engine.Tests.Runtime;

public sealed class DeviceSelectorTests
{
    [Theory]
    [InlineData("cpu")]
    [InlineData(" CPU ")]
    public void Cpu_resolves_to_cpu_with_every_core(string choice)
    {
        var device = DeviceSelector.Resolve(choice);
        Assert.Equal(DeviceType.CPU, device.type);
        Assert.Equal(Environment.ProcessorCount, torch.get_num_threads());
    }

    [Fact]
    public void Bidora_threads_overrides_the_core_count_and_set_threads_overrides_both()
    {
        try
        {
            Environment.SetEnvironmentVariable("BIDORA_THREADS", "1");
            DeviceSelector.Resolve("cpu");
            Assert.Equal(1, torch.get_num_threads());
            DeviceSelector.SetThreads(2);
            DeviceSelector.Resolve("cpu");
            Assert.Equal(2, torch.get_num_threads());
            Environment.SetEnvironmentVariable("BIDORA_THREADS", "many");
            DeviceSelector.SetThreads(null);
            Assert.Equal(Environment.ProcessorCount, torch.get_num_threads());
        }
        finally
        {
            Environment.SetEnvironmentVariable("BIDORA_THREADS", null);
            DeviceSelector.SetThreads(null);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => DeviceSelector.SetThreads(0));
    }

    [Fact]
    public void Auto_picks_cuda_only_when_available()
    {
        var expected = torch.cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU;
        Assert.Equal(expected, DeviceSelector.Resolve("auto").type);
        Assert.Equal(expected, DeviceSelector.Resolve(null).type);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:x")]
    [InlineData("tpu:0")]
    public void Unknown_devices_are_refused_with_the_choices(string choice)
    {
        var e = Assert.Throws<ArgumentException>(() => DeviceSelector.Resolve(choice));
        Assert.Contains(choice, e.Message);
    }

    [Fact]
    public void Cuda_without_a_gpu_says_how_to_get_one()
    {
        if (torch.cuda.is_available())
        {
            Assert.Equal(DeviceType.CUDA, DeviceSelector.Resolve("cuda").type);
            return;
        }
        var e = Assert.Throws<ArgumentException>(() => DeviceSelector.Resolve("cuda:0"));
        Assert.Contains("TorchBackend=cuda", e.Message);
    }
}
