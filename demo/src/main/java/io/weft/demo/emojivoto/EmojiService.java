package io.weft.demo.emojivoto;

import java.net.InetSocketAddress;
import java.util.List;

/** Knows the emoji: {@code GET /list} and {@code GET /find?shortcode=:x:}. */
public final class EmojiService extends HttpWorkload {
  static final List<String> SHORTCODES = List.of(":joy:", ":sunglasses:", ":doughnut:", ":stuck_out_tongue_winking_eye:",
      ":money_mouth_face:", ":flushed:", ":mask:", ":nerd_face:", ":ghost:", ":skull_and_crossbones:", ":heart_eyes_cat:",
      ":hear_no_evil:", ":see_no_evil:", ":speak_no_evil:", ":boy:", ":girl:", ":man:", ":woman:", ":older_man:", ":policeman:",
      ":guardsman:", ":construction_worker:", ":prince:", ":princess:", ":man_in_tuxedo:", ":bride_with_veil:", ":mrs_claus:",
      ":santa:", ":turkey:", ":rabbit:", ":no_good_woman:", ":ok_woman:", ":raising_hand_woman:", ":bowing_man:", ":man_facepalming:",
      ":woman_shrugging:", ":massage_woman:", ":walking_man:", ":running_man:", ":dancer:", ":man_dancing:", ":dancing_women:",
      ":rainbow:", ":skier:", ":golfing_man:", ":surfing_man:", ":basketball_man:", ":biking_man:", ":point_up_2:", ":vulcan_salute:",
      ":metal:", ":call_me_hand:", ":thumbsup:", ":wave:", ":clap:", ":raised_hands:", ":pray:", ":dog:", ":cat2:", ":pig:", ":hatching_chick:",
      ":snail:", ":bacon:", ":pizza:", ":taco:", ":burrito:", ":ramen:", ":champagne:", ":tropical_drink:", ":beer:", ":tumbler_glass:",
      ":world_map:", ":beach_umbrella:", ":mountain_snow:", ":camping:", ":man_juggling:", ":flight_departure:", ":rocket:", ":star2:",
      ":sun_behind_small_cloud:", ":cloud_with_rain:", ":fire:", ":jack_o_lantern:", ":balloon:", ":tada:", ":trophy:", ":iphone:",
      ":pager:", ":fax:", ":bulb:", ":money_with_wings:", ":crystal_ball:", ":underage:", ":interrobang:", ":100:", ":checkered_flag:",
      ":crossed_swords:", ":floppy_disk:");

  public EmojiService(InetSocketAddress listen, InetSocketAddress outboundProxy) {
    super(listen, outboundProxy);
    route("/list", exchange -> reply(exchange, 200, "[\"" + String.join("\",\"", SHORTCODES) + "\"]"));
    route("/find", exchange -> {
      String shortcode = query(exchange, "shortcode");
      if (SHORTCODES.contains(shortcode)) {
        reply(exchange, 200, "{\"shortcode\":\"" + shortcode + "\"}");
      } else {
        reply(exchange, 404, "{\"error\":\"no such emoji\"}");
      }
    });
  }
}
