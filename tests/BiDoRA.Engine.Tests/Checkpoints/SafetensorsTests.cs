using System.Buffers.Binary;
using System.Text;
using BiDoRA.Engine.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Tests.Checkpoints;

public sealed class SafetensorsTests
{
    public static IEnumerable<object[]> AllDTypes() => Enum.GetValues<SafetensorsDType>().Select(d => new object[] { d });

    [Theory]
    [MemberData(nameof(AllDTypes))]
    public void Every_dtype_round_trips_bit_for_bit(SafetensorsDType dtype)
    {
        using var dir = new TempDirectory();
        var path = dir.File("x.safetensors");
        var type = dtype.ToScalarType();
        // Values exactly representable in every type, including the half-precision ones.
        using var matrix = arange(-6, 6, dtype: float64).reshape(3, 4).mul(0.5).to(type);
        using var scalar = tensor(new[] { 7.0 }).to(type).reshape();
        using var empty = zeros([0, 3], dtype: type);
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "round trip" };
        SafetensorsWriter.Write(path, [new("matrix", matrix), new("scalar", scalar), new("empty", empty)], metadata);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(new[] { "matrix", "scalar", "empty" }, file.Names);
        Assert.Equal(metadata, file.Metadata);
        Assert.Equal(dtype, file.GetInfo("matrix").DType);
        using var m = file.Read("matrix");
        using var s = file.Read("scalar");
        using var e = file.Read("empty");
        Assert.Equal(type, m.dtype);
        Assert.Equal(new long[] { 3, 4 }, m.shape);
        Assert.Equal(matrix.bytes.ToArray(), m.bytes.ToArray());
        Assert.Empty(s.shape);
        Assert.Equal(7.0, s.to(float64).item<double>());
        Assert.Equal(new long[] { 0, 3 }, e.shape);
        // The header is padded so that the data starts 8-byte aligned.
        Assert.Equal(0ul, BinaryPrimitives.ReadUInt64LittleEndian(File.ReadAllBytes(path)) % 8);
    }

    [Fact]
    public void Read_converts_dtype_on_request()
    {
        using var dir = new TempDirectory();
        var path = dir.File("x.safetensors");
        using var values = tensor(new[] { 0.1f, -2.5f, 3.25f });
        SafetensorsWriter.Write(path, [new("v", values)]);
        using var file = SafetensorsFile.Open(path);
        using var wide = file.Read("v", float64, CPU);
        Assert.Equal(ScalarType.Float64, wide.dtype);
        Assert.Equal(values.to(float64).data<double>().ToArray(), wide.data<double>().ToArray());
    }

    [Fact]
    public void Fixture_checkpoint_reads_and_rewrites_identically()
    {
        using var dir = new TempDirectory();
        var source = Path.Combine(TestPaths.Fixtures, "esm2-tiny-a", "model", "model.safetensors");
        using var file = SafetensorsFile.Open(source);
        Assert.Equal("pt", file.Metadata["format"]);
        var tensors = file.Names.Select(n => new KeyValuePair<string, Tensor>(n, file.Read(n))).ToList();
        var copy = dir.File("copy.safetensors");
        SafetensorsWriter.Write(copy, tensors);
        using var reread = SafetensorsFile.Open(copy);
        Assert.Equal(file.Names.OrderBy(n => n), reread.Names.OrderBy(n => n));
        foreach (var name in file.Names)
        {
            Assert.Equal(file.GetInfo(name).DType, reread.GetInfo(name).DType);
            Assert.Equal(file.ReadRawBytes(file.GetInfo(name)), reread.ReadRawBytes(reread.GetInfo(name)));
        }
        foreach (var (_, t) in tensors)
        {
            t.Dispose();
        }
    }

    [Fact]
    public void Writer_streams_lazily_produced_tensors_and_disposes_them()
    {
        using var dir = new TempDirectory();
        var path = dir.File("lazy.safetensors");
        var produced = new List<Tensor>();
        SafetensorsWriter.Write(path,
            [new SafetensorsTensorSpec("a", SafetensorsDType.F32, [2]), new SafetensorsTensorSpec("b", SafetensorsDType.I64, [3])],
            name =>
            {
                var t = name == "a" ? tensor(new[] { 1f, 2f }) : tensor(new long[] { 4, 5, 6 });
                produced.Add(t);
                return t;
            });
        Assert.All(produced, t => Assert.True(t.IsInvalid));
        using var file = SafetensorsFile.Open(path);
        using var b = file.Read("b");
        Assert.Equal(new long[] { 4, 5, 6 }, b.data<long>().ToArray());
    }

    [Fact]
    public void Writer_rejects_a_tensor_that_differs_from_its_announced_shape_and_leaves_no_file()
    {
        using var dir = new TempDirectory();
        var path = dir.File("bad.safetensors");
        var e = Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path,
            [new SafetensorsTensorSpec("a", SafetensorsDType.F32, [3])], _ => tensor(new[] { 1f, 2f })));
        Assert.Contains("'a'", e.Message);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Writer_rejects_duplicate_names()
    {
        using var dir = new TempDirectory();
        using var t = ones(2);
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(dir.File("d.safetensors"), [new("a", t), new("a", t)]));
    }

    // Malformed files, one kind each: the error names the file and the problem.

    [Fact]
    public void Truncated_data_is_rejected()
    {
        using var dir = new TempDirectory();
        var path = dir.File("t.safetensors");
        using var t = ones(4, 4);
        SafetensorsWriter.Write(path, [new("w", t)]);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^10]);
        AssertRejected(path, "truncated");
    }

    [Fact]
    public void File_shorter_than_the_length_prefix_is_rejected()
    {
        using var dir = new TempDirectory();
        var path = dir.File("short.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);
        AssertRejected(path, "truncated");
    }

    [Fact]
    public void Header_longer_than_the_file_is_rejected()
    {
        using var dir = new TempDirectory();
        var path = Raw(dir, "{}", [], headerLength: 1000);
        AssertRejected(path, "truncated");
    }

    [Fact]
    public void Header_over_the_size_cap_is_rejected_without_reading_it()
    {
        using var dir = new TempDirectory();
        var path = Raw(dir, "{}", [], headerLength: (ulong)SafetensorsFile.MaxHeaderBytes + 1);
        AssertRejected(path, "limit");
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"w\": {\"dtype\": \"F32\",")]
    public void Header_that_is_not_json_is_rejected(string header)
    {
        using var dir = new TempDirectory();
        AssertRejected(Raw(dir, header, []), "not valid");
    }

    [Fact]
    public void Header_that_is_not_an_object_is_rejected()
    {
        using var dir = new TempDirectory();
        AssertRejected(Raw(dir, "[1, 2]", []), "not a JSON object");
    }

    [Fact]
    public void Unknown_dtype_is_rejected()
    {
        using var dir = new TempDirectory();
        AssertRejected(Raw(dir, """{"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,2]}}""", new byte[2]), "unknown dtype 'Q4'");
    }

    [Fact]
    public void Offsets_out_of_range_are_rejected()
    {
        using var dir = new TempDirectory();
        AssertRejected(Raw(dir, """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}""", new byte[12]), "beyond the data section");
    }

    [Fact]
    public void Offsets_ending_before_they_begin_are_rejected()
    {
        using var dir = new TempDirectory();
        AssertRejected(Raw(dir, """{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}}""", new byte[8]), "end before they begin");
    }

    [Fact]
    public void Overlapping_tensors_are_rejected()
    {
        using var dir = new TempDirectory();
        AssertRejected(Raw(dir, """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", new byte[12]), "overlap");
    }

    [Fact]
    public void Holes_between_tensors_are_rejected()
    {
        using var dir = new TempDirectory();
        AssertRejected(Raw(dir, """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", new byte[12]), "hole");
    }

    [Fact]
    public void Bytes_after_the_last_tensor_are_rejected()
    {
        using var dir = new TempDirectory();
        AssertRejected(Raw(dir, """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", new byte[12]), "belong to none");
    }

    [Fact]
    public void Shape_that_does_not_match_the_byte_count_is_rejected()
    {
        using var dir = new TempDirectory();
        AssertRejected(Raw(dir, """{"a":{"dtype":"F64","shape":[2,2],"data_offsets":[0,16]}}""", new byte[16]), "needs 32 bytes");
    }

    [Theory]
    [InlineData("""{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", "non-negative integers")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}""", "non-negative integers")]
    [InlineData("""{"a":{"dtype":"F32","data_offsets":[0,4]}}""", "missing 'shape'")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}""", "two numbers")]
    [InlineData("""{"a":{"shape":[1],"data_offsets":[0,4]}}""", "missing 'dtype'")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", "twice")]
    [InlineData("""{"__metadata__":{"format":1},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", "must be a string")]
    public void Malformed_entries_are_rejected(string header, string problem)
    {
        using var dir = new TempDirectory();
        AssertRejected(Raw(dir, header, new byte[4]), problem);
    }

    [Fact]
    public void Unknown_tensor_name_names_the_file()
    {
        using var dir = new TempDirectory();
        var path = Raw(dir, """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", new byte[4]);
        using var file = SafetensorsFile.Open(path);
        var e = Assert.Throws<KeyNotFoundException>(() => file.Read("b"));
        Assert.Contains(path, e.Message);
    }

    private static void AssertRejected(string path, string problem)
    {
        var e = Assert.Throws<CheckpointFormatException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Contains(Path.GetFullPath(path), e.Message);
        Assert.Contains(problem, e.Message);
    }

    /// <summary>A file with exactly this header text and data, and optionally a lying length prefix.</summary>
    private static string Raw(TempDirectory dir, string header, byte[] data, ulong? headerLength = null)
    {
        var path = dir.File($"raw-{Guid.NewGuid():N}.safetensors");
        var json = Encoding.UTF8.GetBytes(header);
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, headerLength ?? (ulong)json.Length);
        File.WriteAllBytes(path, [.. prefix, .. json, .. data]);
        return path;
    }
}
