using MediaTagger.Media;
using MediaTagger.Media.Audio;

namespace MediaTagger.Tests.Audio;

/// <summary>The ffprobe JSON parser against output saved from ffprobe 5.1 (Debian 12).</summary>
public class FfprobeOutputTests
{
    // ffprobe -v error -print_format json -show_format -show_streams jfk.mp3
    private const string JfkMp3 = """
        {
            "streams": [
                {
                    "index": 0,
                    "codec_name": "mp3",
                    "codec_long_name": "MP3 (MPEG audio layer 3)",
                    "codec_type": "audio",
                    "codec_tag_string": "[0][0][0][0]",
                    "codec_tag": "0x0000",
                    "sample_fmt": "fltp",
                    "sample_rate": "16000",
                    "channels": 1,
                    "channel_layout": "mono",
                    "bits_per_sample": 0,
                    "r_frame_rate": "0/0",
                    "avg_frame_rate": "0/0",
                    "time_base": "1/14112000",
                    "start_pts": 974610,
                    "start_time": "0.069062",
                    "duration_ts": 156473856,
                    "duration": "11.088000",
                    "bit_rate": "55117",
                    "disposition": {
                        "default": 0,
                        "dub": 0,
                        "original": 0,
                        "comment": 0,
                        "lyrics": 0,
                        "karaoke": 0,
                        "forced": 0,
                        "hearing_impaired": 0,
                        "visual_impaired": 0,
                        "clean_effects": 0,
                        "attached_pic": 0,
                        "timed_thumbnails": 0,
                        "captions": 0,
                        "descriptions": 0,
                        "metadata": 0,
                        "dependent": 0,
                        "still_image": 0
                    },
                    "tags": {
                        "encoder": "LAME3.100"
                    }
                }
            ],
            "format": {
                "filename": "/media/in/jfk.mp3",
                "nb_streams": 1,
                "nb_programs": 0,
                "format_name": "mp3",
                "format_long_name": "MP2/3 (MPEG audio layer 2/3)",
                "start_time": "0.069063",
                "duration": "11.088000",
                "size": "76447",
                "bit_rate": "55156",
                "probe_score": 51,
                "tags": {
                    "Software": "Lavf59.27.100"
                }
            }
        }
        """;

    // The same for a Matroska file with a video stream and two tagged audio streams (eng AAC mono 1 s,
    // deu FLAC stereo 2 s). Matroska keeps stream durations in DURATION tags.
    private const string TwoLanguagesMkv = """
        {
            "streams": [
                {
                    "index": 0,
                    "codec_name": "mpeg4",
                    "codec_long_name": "MPEG-4 part 2",
                    "profile": "Simple Profile",
                    "codec_type": "video",
                    "codec_tag_string": "[0][0][0][0]",
                    "codec_tag": "0x0000",
                    "width": 64,
                    "height": 48,
                    "coded_width": 64,
                    "coded_height": 48,
                    "closed_captions": 0,
                    "film_grain": 0,
                    "has_b_frames": 0,
                    "sample_aspect_ratio": "1:1",
                    "display_aspect_ratio": "4:3",
                    "pix_fmt": "yuv420p",
                    "level": 1,
                    "chroma_location": "left",
                    "field_order": "progressive",
                    "refs": 1,
                    "quarter_sample": "false",
                    "divx_packed": "false",
                    "r_frame_rate": "25/1",
                    "avg_frame_rate": "25/1",
                    "time_base": "1/1000",
                    "start_pts": 21,
                    "start_time": "0.021000",
                    "extradata_size": 47,
                    "disposition": {
                        "default": 0,
                        "dub": 0,
                        "original": 0,
                        "comment": 0,
                        "lyrics": 0,
                        "karaoke": 0,
                        "forced": 0,
                        "hearing_impaired": 0,
                        "visual_impaired": 0,
                        "clean_effects": 0,
                        "attached_pic": 0,
                        "timed_thumbnails": 0,
                        "captions": 0,
                        "descriptions": 0,
                        "metadata": 0,
                        "dependent": 0,
                        "still_image": 0
                    },
                    "tags": {
                        "ENCODER": "Lavc59.37.100 mpeg4",
                        "DURATION": "00:00:02.021000000"
                    }
                },
                {
                    "index": 1,
                    "codec_name": "aac",
                    "codec_long_name": "AAC (Advanced Audio Coding)",
                    "profile": "LC",
                    "codec_type": "audio",
                    "codec_tag_string": "[0][0][0][0]",
                    "codec_tag": "0x0000",
                    "sample_fmt": "fltp",
                    "sample_rate": "48000",
                    "channels": 1,
                    "channel_layout": "mono",
                    "bits_per_sample": 0,
                    "r_frame_rate": "0/0",
                    "avg_frame_rate": "0/0",
                    "time_base": "1/1000",
                    "start_pts": 0,
                    "start_time": "0.000000",
                    "extradata_size": 5,
                    "disposition": {
                        "default": 1,
                        "dub": 0,
                        "original": 0,
                        "comment": 0,
                        "lyrics": 0,
                        "karaoke": 0,
                        "forced": 0,
                        "hearing_impaired": 0,
                        "visual_impaired": 0,
                        "clean_effects": 0,
                        "attached_pic": 0,
                        "timed_thumbnails": 0,
                        "captions": 0,
                        "descriptions": 0,
                        "metadata": 0,
                        "dependent": 0,
                        "still_image": 0
                    },
                    "tags": {
                        "language": "eng",
                        "ENCODER": "Lavc59.37.100 aac",
                        "DURATION": "00:00:01.021000000"
                    }
                },
                {
                    "index": 2,
                    "codec_name": "flac",
                    "codec_long_name": "FLAC (Free Lossless Audio Codec)",
                    "codec_type": "audio",
                    "codec_tag_string": "[0][0][0][0]",
                    "codec_tag": "0x0000",
                    "sample_fmt": "s16",
                    "sample_rate": "44100",
                    "channels": 2,
                    "channel_layout": "stereo",
                    "bits_per_sample": 0,
                    "r_frame_rate": "0/0",
                    "avg_frame_rate": "0/0",
                    "time_base": "1/1000",
                    "start_pts": 21,
                    "start_time": "0.021000",
                    "bits_per_raw_sample": "16",
                    "extradata_size": 34,
                    "disposition": {
                        "default": 0,
                        "dub": 0,
                        "original": 0,
                        "comment": 0,
                        "lyrics": 0,
                        "karaoke": 0,
                        "forced": 0,
                        "hearing_impaired": 0,
                        "visual_impaired": 0,
                        "clean_effects": 0,
                        "attached_pic": 0,
                        "timed_thumbnails": 0,
                        "captions": 0,
                        "descriptions": 0,
                        "metadata": 0,
                        "dependent": 0,
                        "still_image": 0
                    },
                    "tags": {
                        "language": "deu",
                        "ENCODER": "Lavc59.37.100 flac",
                        "DURATION": "00:00:02.021000000"
                    }
                }
            ],
            "format": {
                "filename": "two.mkv",
                "nb_streams": 3,
                "nb_programs": 0,
                "format_name": "matroska,webm",
                "format_long_name": "Matroska / WebM",
                "start_time": "0.000000",
                "duration": "2.021000",
                "size": "37362",
                "bit_rate": "147895",
                "probe_score": 100,
                "tags": {
                    "ENCODER": "Lavf59.27.100"
                }
            }
        }
        """;

    [Fact]
    public void Mp3_duration_codec_channels_and_rate()
    {
        var probe = FfprobeOutput.Parse(JfkMp3);

        probe.Duration.Should().Be(TimeSpan.FromSeconds(11.088));
        probe.FormatName.Should().Be("mp3");
        probe.AudioStreams.Should().ContainSingle().Which.Should().BeEquivalentTo(new AudioStreamInfo
        {
            Index = 0,
            Codec = "mp3",
            Language = null,
            Channels = 1,
            SampleRate = 16000,
            Duration = TimeSpan.FromSeconds(11.088),
        });
    }

    [Fact]
    public void Only_audio_streams_are_listed_with_their_file_index_and_language()
    {
        var probe = FfprobeOutput.Parse(TwoLanguagesMkv);

        probe.FormatName.Should().Be("matroska,webm");
        probe.Duration.Should().Be(TimeSpan.FromSeconds(2.021));
        probe.AudioStreams.Select(s => (s.Index, s.Codec, s.Language, s.Channels, s.SampleRate)).Should().Equal(
            (1, "aac", "eng", 1, 48000),
            (2, "flac", "deu", 2, 44100));
        probe.AudioStreams[0].Duration.Should().Be(TimeSpan.FromSeconds(1.021));
        probe.AudioStreams[1].Duration.Should().Be(TimeSpan.FromSeconds(2.021));
    }

    // ffprobe output for an MP3 with cover art (ffmpeg -disposition:v attached_pic), trimmed to the fields read.
    private const string Mp3WithCover = """
        {
            "streams": [
                { "index": 0, "codec_name": "mp3", "codec_type": "audio", "sample_rate": "44100", "channels": 1,
                  "r_frame_rate": "0/0", "avg_frame_rate": "0/0", "duration": "1.044898",
                  "disposition": { "default": 0, "attached_pic": 0 } },
                { "index": 1, "codec_name": "png", "codec_type": "video", "width": 300, "height": 34,
                  "r_frame_rate": "90000/1", "avg_frame_rate": "0/0", "duration": "1.044900",
                  "disposition": { "default": 0, "attached_pic": 1 }, "tags": { "comment": "Other" } }
            ],
            "format": { "filename": "cover.mp3", "nb_streams": 2, "format_name": "mp3", "duration": "1.044898" }
        }
        """;

    [Fact]
    public void Every_stream_is_listed_with_its_type_and_video_fields()
    {
        var probe = FfprobeOutput.Parse(TwoLanguagesMkv);

        probe.Streams.Select(s => (s.Index, s.Type, s.Codec, s.Language)).Should().Equal(
            (0, MediaStreamType.Video, "mpeg4", null),
            (1, MediaStreamType.Audio, "aac", "eng"),
            (2, MediaStreamType.Audio, "flac", "deu"));
        var video = probe.Streams[0];
        (video.Width, video.Height, video.FrameRate, video.Duration).Should().Be((64, 48, 25.0, TimeSpan.FromSeconds(2.021)));
        (video.Channels, video.SampleRate).Should().Be((null, null));
        (probe.Streams[2].Channels, probe.Streams[2].SampleRate, probe.Streams[2].Width).Should().Be((2, 44100, null));
        probe.HasVideo.Should().BeTrue();
    }

    [Fact]
    public void Cover_art_is_an_attached_picture_not_video()
    {
        var probe = FfprobeOutput.Parse(Mp3WithCover);

        var cover = probe.Streams.Should().ContainSingle(s => s.Type == MediaStreamType.Video).Subject;
        cover.AttachedPicture.Should().BeTrue();
        cover.FrameRate.Should().BeNull("ffprobe's 90000/1 for a still picture is a time base, not a frame rate");
        probe.HasVideo.Should().BeFalse();
        probe.AudioStreams.Should().ContainSingle();
    }

    [Theory]
    [InlineData("30000/1001", 29.97)]
    [InlineData("25/1", 25.0)]
    [InlineData("0/0", null)]
    [InlineData("N/A", null)]
    public void Frame_rates_are_fractions(string rate, double? expected)
    {
        var probe = FfprobeOutput.Parse($$"""{ "streams": [ { "index": 0, "codec_type": "video", "avg_frame_rate": "{{rate}}" } ] }""");

        if (expected is { } fps)
        {
            probe.Streams[0].FrameRate.Should().BeApproximately(fps, 0.001);
        }
        else
        {
            probe.Streams[0].FrameRate.Should().BeNull();
        }
    }

    [Fact]
    public void Subtitle_streams_are_listed_with_their_language()
    {
        var probe = FfprobeOutput.Parse("""{ "streams": [ { "index": 2, "codec_name": "subrip", "codec_type": "subtitle", "tags": { "language": "fra" } } ] }""");

        probe.Streams.Should().ContainSingle().Which.Should().BeEquivalentTo(new MediaStreamInfo
        {
            Index = 2,
            Type = MediaStreamType.Subtitle,
            Codec = "subrip",
            Language = "fra",
        });
        probe.AudioStreams.Should().BeEmpty();
    }

    [Fact]
    public void Missing_duration_and_streams_give_nulls_not_errors()
    {
        var probe = FfprobeOutput.Parse("""{ "streams": [ { "index": 0, "codec_type": "audio", "duration": "N/A" } ], "format": { "format_name": "wav" } }""");

        probe.Duration.Should().BeNull();
        probe.AudioStreams.Should().ContainSingle().Which.Duration.Should().BeNull();
        FfprobeOutput.Parse("{}").AudioStreams.Should().BeEmpty();
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[1, 2]")]
    public void Output_that_is_not_ffprobe_json_is_a_media_decode_exception(string text) =>
        FluentActions.Invoking(() => FfprobeOutput.Parse(text)).Should().Throw<MediaDecodeException>().WithMessage("ffprobe output*");
}
