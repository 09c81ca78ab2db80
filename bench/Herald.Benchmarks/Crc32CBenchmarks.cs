using BenchmarkDotNet.Attributes;
using Herald.Log.Storage;

namespace Herald.Benchmarks;

/// <summary>CRC-32C over a page and over a large batch: the CPU instruction against slicing-by-8.</summary>
[MemoryDiagnoser]
public class Crc32CBenchmarks
{
    private byte[] _data = [];

    [Params(4 * 1024, 1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = new byte[Size];
        new Random(1).NextBytes(_data);
    }

    [Benchmark(Baseline = true)]
    public uint Intrinsic() => Crc32C.Append(0, _data);

    [Benchmark]
    public uint Software() => Crc32C.AppendSoftware(0, _data);
}
