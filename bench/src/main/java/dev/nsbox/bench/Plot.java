package dev.nsbox.bench;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * PNG plots with nothing but the JDK (java.awt in headless mode, ImageIO): a horizontal bar per
 * row (the median, with a whisker from min to max), or, for the scaling measurement, median
 * against N on log-log axes with min-max whiskers. No plotting dependency to install or trust.
 */
final class Plot {

    private static final Color NSBOX = new Color(0x1f77b4);
    private static final Color OTHER = new Color(0x999999);
    private static final Color BWRAP = new Color(0xd62728);

    private Plot() {
    }

    static void write(Section s, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = s.sizes != null ? scaling(s) : bars(s);
        ImageIO.write(img, "png", file.toFile());
    }

    private static Graphics2D canvas(BufferedImage img) {
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        return g;
    }

    private static BufferedImage bars(Section s) {
        int rowH = 34;
        int left = 250;
        int right = 130;
        int width = 1000;
        int top = 50;
        int height = top + rowH * s.rows.size() + 45;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(img);
        double maxV = 0;
        for (Row r : s.rows) {
            maxV = Math.max(maxV, r.stats().max());
        }
        maxV = niceCeil(maxV);
        int plotW = width - left - right;
        g.setColor(Color.BLACK);
        g.setFont(g.getFont().deriveFont(Font.BOLD, 15f));
        g.drawString(s.title, 10, 22);
        g.setFont(g.getFont().deriveFont(Font.PLAIN, 12f));
        g.drawString("median (bar), min-max (whisker), " + s.unit, 10, 40);
        // Grid.
        int axisY = top + rowH * s.rows.size() + 5;
        for (int i = 0; i <= 5; i++) {
            double v = maxV * i / 5;
            int x = left + (int) (plotW * i / 5.0);
            g.setColor(new Color(0xe0e0e0));
            g.drawLine(x, top - 5, x, axisY);
            g.setColor(Color.DARK_GRAY);
            String label = fmt(v);
            g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, axisY + 16);
        }
        // An absolute target (measurement 4) as a dashed line at its limit.
        for (Target t : s.targets) {
            if (!t.isRatio() && t.limit() <= maxV) {
                int x = left + (int) (plotW * t.limit() / maxV);
                g.setColor(new Color(0xd62728));
                g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                        new float[] {6f, 4f}, 0f));
                g.drawLine(x, top - 5, x, axisY);
                g.drawString("target " + fmt(t.limit()) + " " + s.unit, x + 4, top - 8);
                g.setStroke(new BasicStroke(1f));
            }
        }
        int y = top;
        for (Row r : s.rows) {
            Color c = r.name().startsWith("nsbox") || r.name().startsWith("./nsbox") || r.name().contains("nsbox:run")
                    || r.name().startsWith("rootless") ? NSBOX : r.name().equals(s.baseline) ? Color.DARK_GRAY : OTHER;
            int barW = (int) (plotW * r.stats().median() / maxV);
            g.setColor(c);
            g.fillRect(left, y + 6, Math.max(barW, 1), rowH - 14);
            g.setColor(Color.BLACK);
            int x0 = left + (int) (plotW * r.stats().min() / maxV);
            int x1 = left + (int) (plotW * r.stats().max() / maxV);
            int cy = y + rowH / 2 - 1;
            g.setStroke(new BasicStroke(1.5f));
            g.drawLine(x0, cy, x1, cy);
            g.drawLine(x0, cy - 5, x0, cy + 5);
            g.drawLine(x1, cy - 5, x1, cy + 5);
            FontMetrics fm = g.getFontMetrics();
            String name = r.name();
            g.drawString(name, left - 8 - fm.stringWidth(name), cy + 5);
            double ratio = s.ratio(r);
            String value = fmt(r.stats().median()) + " " + s.unit
                    + (Double.isNaN(ratio) ? "" : String.format(Locale.ROOT, "  (%.2fx)", ratio));
            g.drawString(value, Math.min(x1, left + plotW) + 8, cy + 5);
            y += rowH;
        }
        g.dispose();
        return img;
    }

    private static BufferedImage scaling(Section s) {
        int width = 900;
        int height = 520;
        int left = 80;
        int right = 160;
        int top = 50;
        int bottom = 60;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(img);
        double minV = Double.MAX_VALUE;
        double maxV = 0;
        for (Row r : s.rows) {
            minV = Math.min(minV, r.stats().min());
            maxV = Math.max(maxV, r.stats().max());
        }
        double lo = Math.pow(10, Math.floor(Math.log10(minV)));
        double hi = Math.pow(10, Math.ceil(Math.log10(maxV)));
        int n0 = s.sizes[0];
        int n1 = s.sizes[s.sizes.length - 1];
        int plotW = width - left - right;
        int plotH = height - top - bottom;
        java.util.function.DoubleUnaryOperator xOf = n -> left + plotW * (n1 == n0 ? 0.5
                : (Math.log10(n) - Math.log10(n0)) / (Math.log10(n1) - Math.log10(n0)));
        java.util.function.DoubleUnaryOperator yOf = v -> top + plotH * (1 - (Math.log10(v) - Math.log10(lo))
                / (Math.log10(hi) - Math.log10(lo)));
        g.setColor(Color.BLACK);
        g.setFont(g.getFont().deriveFont(Font.BOLD, 15f));
        g.drawString(s.title, 10, 22);
        g.setFont(g.getFont().deriveFont(Font.PLAIN, 12f));
        g.drawString("median with min-max whiskers, ms (log scale) against read-only bind mounts (log scale)", 10, 40);
        for (double v = lo; v <= hi * 1.001; v *= 10) {
            int yy = (int) yOf.applyAsDouble(v);
            g.setColor(new Color(0xe0e0e0));
            g.drawLine(left, yy, left + plotW, yy);
            g.setColor(Color.DARK_GRAY);
            String label = fmt(v);
            g.drawString(label, left - 8 - g.getFontMetrics().stringWidth(label), yy + 4);
        }
        for (int n : s.sizes) {
            int xx = (int) xOf.applyAsDouble(n);
            g.setColor(new Color(0xe0e0e0));
            g.drawLine(xx, top, xx, top + plotH);
            g.setColor(Color.DARK_GRAY);
            String label = Integer.toString(n);
            g.drawString(label, xx - g.getFontMetrics().stringWidth(label) / 2, top + plotH + 18);
        }
        g.drawString("read-only bind mounts", left + plotW / 2 - 60, top + plotH + 40);
        int legendY = top + 10;
        for (String who : List.of("nsbox", "bwrap")) {
            Color c = who.equals("nsbox") ? NSBOX : BWRAP;
            g.setColor(c);
            g.setStroke(new BasicStroke(2.5f));
            List<int[]> pts = new ArrayList<>();
            for (int n : s.sizes) {
                Row r = s.row(who + " N=" + n);
                if (r == null) {
                    continue;
                }
                int xx = (int) xOf.applyAsDouble(n) + (who.equals("nsbox") ? -4 : 4);
                pts.add(new int[] {xx, (int) yOf.applyAsDouble(r.stats().median())});
                g.setStroke(new BasicStroke(1.5f));
                int ya = (int) yOf.applyAsDouble(r.stats().min());
                int yb = (int) yOf.applyAsDouble(r.stats().max());
                g.drawLine(xx, ya, xx, yb);
                g.drawLine(xx - 4, ya, xx + 4, ya);
                g.drawLine(xx - 4, yb, xx + 4, yb);
                g.fillOval(xx - 4, (int) yOf.applyAsDouble(r.stats().median()) - 4, 8, 8);
            }
            g.setStroke(new BasicStroke(2.5f));
            for (int i = 1; i < pts.size(); i++) {
                g.drawLine(pts.get(i - 1)[0], pts.get(i - 1)[1], pts.get(i)[0], pts.get(i)[1]);
            }
            g.fillRect(left + plotW + 20, legendY - 8, 18, 8);
            g.setColor(Color.BLACK);
            g.drawString(who, left + plotW + 45, legendY);
            legendY += 22;
        }
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(left, top, plotW, plotH);
        g.dispose();
        return img;
    }

    private static double niceCeil(double v) {
        if (v <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    static String fmt(double v) {
        if (v == 0) {
            return "0";
        }
        if (v >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (v >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (v >= 0.1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
